# label: negative
# not: fileptr.E001
from django.core.files.storage import default_storage


def compare_versions(old_name, new_name):
    with default_storage.open(old_name) as fh:
        old = fh.read()
    with default_storage.open(new_name) as fh:
        new = fh.read()
    return old == new
