# label: negative
# not: fileptr.E002
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from .watermark import add_watermark


def save_watermarked(upload):
    data = add_watermark(upload.read())
    upload = ContentFile(data, name=upload.name)
    return default_storage.save(upload.name, upload)
