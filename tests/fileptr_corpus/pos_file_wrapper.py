# label: positive
# not: fileptr.E001
import hashlib

from django.core.files import File
from django.core.files.storage import default_storage


def keep_copy(upload):
    digest = hashlib.sha256(upload.read()).hexdigest()
    wrapped = File(upload, name=f"{digest}.bin")
    return default_storage.save(wrapped.name, wrapped)  # expect: fileptr.E002
