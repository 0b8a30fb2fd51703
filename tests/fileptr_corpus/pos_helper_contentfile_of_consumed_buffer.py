# label: positive
# not: fileptr.E002
from io import BytesIO

from django.core.files.base import ContentFile
from PIL import Image


def thumbnail(upload):
    image = Image.open(upload)
    image.thumbnail((300, 300))
    buffer = BytesIO()
    image.save(buffer, "JPEG")
    return ContentFile(buffer.read())  # expect: fileptr.E001
