# label: positive
# not: fileptr.E001
import hashlib

from django.core.files.storage import default_storage


def upload_photo(request):
    upload = request.FILES["image"]
    digest = hashlib.file_digest(upload, "sha256").hexdigest()
    return default_storage.save(f"photos/{digest}.jpg", upload)  # expect: fileptr.E002
