# label: negative
# not: fileptr.E001
from io import BytesIO

from django.core.files.base import ContentFile
from PIL import Image


def make_thumbnail(upload, side):
    image = Image.open(upload)
    image.thumbnail((side, side))
    out = BytesIO()
    image.convert("RGB").save(out, "JPEG")
    return ContentFile(out.getvalue())


def thumbnails(upload):
    return make_thumbnail(upload, 150), make_thumbnail(upload, 600)
