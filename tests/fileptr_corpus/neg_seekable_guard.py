# label: negative
# not: fileptr.E002
import hashlib

from django.core.files.storage import default_storage


def upload_photo(request):
    upload = request.FILES["image"]
    digest = hashlib.sha256(upload.read()).hexdigest()
    if upload.seekable():
        upload.seek(0)
    return default_storage.save(f"photos/{digest}.jpg", upload)
