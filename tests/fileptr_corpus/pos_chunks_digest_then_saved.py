# label: positive
# not: fileptr.E001
import hashlib

from django.core.files.storage import default_storage


def store_deduplicated(request):
    upload = request.FILES["file"]
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    name = f"blobs/{digest.hexdigest()}"
    if not default_storage.exists(name):
        default_storage.save(name, upload)  # expect: fileptr.E002
    return name
