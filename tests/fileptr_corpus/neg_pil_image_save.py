# label: negative
# not: fileptr.E002
from io import BytesIO

from django.core.files.base import ContentFile
from PIL import Image


def to_webp(image: Image.Image, quality=80):
    out = BytesIO()
    image.save(out, "WEBP", quality=quality)
    image.save(out, format="WEBP")
    return ContentFile(out.getvalue())
