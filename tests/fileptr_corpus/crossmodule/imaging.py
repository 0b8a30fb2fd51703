# label: negative
# not: fileptr.E001, fileptr.E002
import hashlib
from io import BytesIO

from django.core.files.base import ContentFile
from PIL import Image


def optimize(upload, side=2048):
    image = Image.open(upload)
    image.load()
    image.thumbnail((side, side))
    out = BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85)
    return ContentFile(out.getvalue())


def _digest(fileobj):
    return hashlib.sha256(fileobj.read()).hexdigest()


def fingerprint(fileobj):
    return _digest(fileobj)
