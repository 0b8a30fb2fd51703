# label: positive
# not: fileptr.E001
import logging

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from PIL import Image, UnidentifiedImageError

logger = logging.getLogger(__name__)


def store_image(request):
    upload = request.FILES["image"]
    try:
        Image.open(upload).verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError("Upload a valid image.") from exc
    return default_storage.save(f"images/{upload.name}", upload)  # expect: fileptr.E002


def store_verified_image(request):
    upload = request.FILES["image"]
    try:
        Image.open(upload).verify()
        upload.seek(0)
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError("Upload a valid image.") from exc
    return default_storage.save(f"images/{upload.name}", upload)


def store_document(request):
    upload = request.FILES["document"]
    try:
        pages = count_pdf_pages(upload)
    except ValueError:
        logger.warning("%s is not a PDF", upload.name)
        pages = len(upload.read().split(b"\f"))
    return default_storage.save(f"documents/{pages}-{upload.name}", upload)  # expect: fileptr.E002
