# label: positive
# not: fileptr.E001
from io import BytesIO

from django.core.files.storage import default_storage
from PIL import Image


def to_webp(upload):
    out = BytesIO()
    Image.open(upload).save(out, "WEBP")
    return out


def store_webp(upload):
    webp = to_webp(upload)
    return default_storage.save(f"{upload.name}.webp", webp)  # expect: fileptr.E002
