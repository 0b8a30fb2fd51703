# label: positive
# not: fileptr.E002
import hashlib

from django.core.exceptions import ValidationError
from imagekitio import ImageKit

imagekit = ImageKit(private_key="", public_key="", url_endpoint="")


def upload_png(request):
    upload = request.FILES["file"]
    if upload.read(8) != b"\x89PNG\r\n\x1a\n":
        raise ValidationError("Only PNG images are accepted.")
    return imagekit.upload_file(file=upload, file_name=upload.name)  # expect: fileptr.E001


def pdf_digest(upload):
    if upload.read(4) != b"%PDF":
        raise ValidationError("Only PDF documents are accepted.")
    return hashlib.file_digest(upload, "sha256").hexdigest()  # expect: fileptr.E001
