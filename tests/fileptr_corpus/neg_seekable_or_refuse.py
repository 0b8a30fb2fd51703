# label: negative
# not: fileptr.E002
import hashlib

from django.core.files.storage import default_storage


def store_with_digest(upload):
    digest = hashlib.sha256(upload.read()).hexdigest()
    if upload.seekable():
        upload.seek(0)
    else:
        raise ValueError("a streamed upload cannot be stored after hashing")
    return default_storage.save(f"blobs/{digest}", upload)


def store_rewound(upload):
    digest = hashlib.sha256(upload.read()).hexdigest()
    try:
        upload.seek(0)
    except AttributeError:  # a caller that passes bytes has nothing to rewind
        pass
    return default_storage.save(f"blobs/{digest}", upload)
