# label: positive
# not: fileptr.E001
import zlib

from django.core.files.storage import default_storage


def store_compressed_copy(upload):
    packed = zlib.compress(upload.file.read())
    default_storage.save(f"{upload.name}.z", upload)  # expect: fileptr.E002
    return packed
