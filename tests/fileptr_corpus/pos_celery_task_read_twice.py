# label: positive
# not: fileptr.E002
import zlib

from celery import shared_task
from django.core.files.storage import default_storage


@shared_task
def index_document(name):
    with default_storage.open(name, "rb") as fh:
        checksum = zlib.crc32(fh.read())
        text = fh.read().decode("utf-8", "replace")  # expect: fileptr.E001
    return {"name": name, "crc": checksum, "words": len(text.split())}
