# label: negative
# not: fileptr.E001, fileptr.E002
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


def store_twice(data, name):
    # A save does not consume: storages read through chunks() or rewind first.
    content = ContentFile(data)
    original = default_storage.save(f"originals/{name}", content)
    backup = default_storage.save(f"backups/{name}", content)
    return original, backup
