# label: positive
# not: fileptr.E001
from django.core.files.storage import default_storage

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def store_png(name, upload):
    assert upload.read(8) == PNG_SIGNATURE, "not a PNG file"
    return default_storage.save(name, upload)  # expect: fileptr.E002
