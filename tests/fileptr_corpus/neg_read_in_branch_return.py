# label: negative
# not: fileptr.E002
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

SMALL = 64 * 1024


def store(upload):
    if upload.size < SMALL:
        data = upload.read()
        return default_storage.save(upload.name, ContentFile(data))
    return default_storage.save(upload.name, upload)
