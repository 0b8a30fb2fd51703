# label: positive
# not: fileptr.E001
import hashlib

from django.core.files.storage import default_storage

from .models import Photo


def store_unique(upload, check_duplicates=True):
    if check_duplicates:
        digest = hashlib.sha256(upload.read()).hexdigest()
        if Photo.objects.filter(checksum=digest).exists():
            return None
    return default_storage.save(upload.name, upload)  # expect: fileptr.E002
