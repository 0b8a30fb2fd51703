# label: positive
# not: fileptr.E001
import hashlib

from django.core.files.storage import default_storage


def fingerprint(upload):
    upload.seek(0)
    return hashlib.sha256(upload.read()).hexdigest()


def store(request):
    upload = request.FILES["file"]
    digest = fingerprint(upload)
    return default_storage.save(f"files/{digest}", upload)  # expect: fileptr.E002
