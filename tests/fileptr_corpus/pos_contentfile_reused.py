# label: positive
# not: fileptr.E001
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


def store_twice(data, name):
    content = ContentFile(data)
    original = default_storage.save(f"originals/{name}", content)
    backup = default_storage.save(f"backups/{name}", content)  # expect: fileptr.E002
    return original, backup
