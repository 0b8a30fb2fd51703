# label: positive
# not: fileptr.E001
import hashlib

from django.core.files import File
from django.core.files.storage import default_storage


def archive_upload(request):
    upload = request.FILES["document"]
    digest = hashlib.sha256(upload.read()).hexdigest()
    wrapped = File(file=upload, name=f"{digest}.bin")  # the same stream, where it stands
    return default_storage.save(wrapped.name, wrapped)  # expect: fileptr.E002
