# label: negative
# not: fileptr.E004, fileptr.I002
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.storage import default_storage


def safe_save(name, upload):
    try:
        return default_storage.save(name, upload)
    except SuspiciousFileOperation as exc:
        raise ValidationError(f"bad file name: {exc}") from exc
