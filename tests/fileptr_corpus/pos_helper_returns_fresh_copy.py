# label: positive
# not: fileptr.E001
import hashlib
from io import BytesIO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image


def render_watermarked(upload):
    image = Image.open(upload)
    image.thumbnail((1600, 1600))
    buffer = BytesIO()
    image.convert("RGB").save(buffer, "JPEG")
    return ContentFile(buffer.getvalue(), name=upload.name)


def watermarked_copy(upload):
    return render_watermarked(upload)


def publish_photo(request):
    upload = request.FILES["image"]
    copy = watermarked_copy(upload)
    checksum = hashlib.md5(copy.read()).hexdigest()
    return default_storage.save(f"published/{checksum}.jpg", copy)  # expect: fileptr.E002
