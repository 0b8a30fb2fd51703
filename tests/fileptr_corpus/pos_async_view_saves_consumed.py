# label: positive
# not: fileptr.E001
import hashlib

from django.core.files.storage import default_storage


async def upload_photo(request, lock):
    upload = request.FILES["image"]
    async with lock:
        digest = hashlib.sha256(upload.read()).hexdigest()
    return default_storage.save(f"photos/{digest}.jpg", upload)  # expect: fileptr.E002
