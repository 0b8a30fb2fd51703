"""Image processing for uploads: orientation, resizing, WebP, thumbnails."""
from io import BytesIO

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

MAX_SIDE = 2048
THUMB_SIDE = 300


def to_webp(upload, max_side=MAX_SIDE, quality=82):
    """The upload as a WebP no larger than max_side, EXIF orientation applied."""
    image = Image.open(upload)
    image = ImageOps.exif_transpose(image)
    image.thumbnail((max_side, max_side))
    out = BytesIO()
    image.convert("RGB").save(out, "WEBP", quality=quality)
    return ContentFile(out.getvalue())


def make_thumbnail(upload):
    image = Image.open(upload)
    image.draft("RGB", (THUMB_SIDE, THUMB_SIDE))
    image = ImageOps.exif_transpose(image)
    image.thumbnail((THUMB_SIDE, THUMB_SIDE))
    out = BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=80)
    return ContentFile(out.getvalue())
