# label: negative
# not: fileptr.E002
import hashlib

from django.core.files.storage import default_storage


def upload_photo(request):
    upload = request.FILES["image"]
    digest = hashlib.sha256(upload.read()).hexdigest()
    upload.file.seek(0)  # rewinds the upload too
    return default_storage.save(f"photos/{digest}.jpg", upload)
