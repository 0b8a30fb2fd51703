# label: positive
# not: fileptr.E001
import hashlib

from django.core.files.storage import default_storage


async def import_archive(request, batches):
    archive = request.FILES["archive"]
    async for batch in batches:
        batch.digest = hashlib.md5(archive.read()).hexdigest()
    return default_storage.save(archive.name, archive)  # expect: fileptr.E002
