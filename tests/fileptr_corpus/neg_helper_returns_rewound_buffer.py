# label: negative
# not: fileptr.E001, fileptr.E002
from io import BytesIO

from django.core.files.storage import default_storage
from PIL import Image


def to_webp(upload):
    out = BytesIO()
    Image.open(upload).save(out, "WEBP")
    out.seek(0)
    return out


def store_webp(upload):
    return default_storage.save(f"{upload.name}.webp", to_webp(upload))
