# label: negative
# not: fileptr.E001, fileptr.E002
import hashlib

from django.core.files.storage import default_storage


def checksum(fileobj):
    digest = hashlib.md5(fileobj.read()).hexdigest()
    fileobj.seek(0)
    return digest


def store(upload):
    name = f"{checksum(upload)}-{upload.name}"
    return default_storage.save(name, upload)
