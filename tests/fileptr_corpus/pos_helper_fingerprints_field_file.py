# label: positive
# not: fileptr.E001
import hashlib

from django.core.files.storage import default_storage


def fingerprint(fileobj):
    return hashlib.sha256(fileobj.read()).hexdigest()


def archive_photo(photo):
    digest = fingerprint(photo.image)
    return default_storage.save(f"archive/{digest}.jpg", photo.image)  # expect: fileptr.E002
