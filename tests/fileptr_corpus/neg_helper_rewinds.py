# label: negative
# not: fileptr.E001, fileptr.E002
import hashlib

from django.core.files.storage import default_storage


def checksum(fileobj):
    fileobj.seek(0)
    digest = hashlib.sha256(fileobj.read()).hexdigest()
    fileobj.seek(0)
    return digest


def store(upload):
    digest = checksum(upload)
    return default_storage.save(f"{digest}-{upload.name}", upload)
