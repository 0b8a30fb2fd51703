# label: negative
# not: fileptr.E002
import hashlib
import io

from django.core.files.storage import default_storage


def store_with_digest(upload):
    digest = hashlib.sha256(upload.read()).hexdigest()
    try:
        upload.seek(0)
    except (AttributeError, io.UnsupportedOperation):
        pass  # a stream that cannot seek was read into memory by the caller
    return default_storage.save(f"{digest}.bin", upload)
