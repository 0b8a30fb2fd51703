# label: negative
# not: fileptr.E001
import hashlib

from celery import shared_task
from django.core.files.storage import default_storage


@shared_task
def verify_copy(name, backup_name):
    with default_storage.open(name, "rb") as fh:
        original = hashlib.sha256(fh.read()).hexdigest()
    with default_storage.open(backup_name, "rb") as fh:
        backup = hashlib.sha256(fh.read()).hexdigest()
    return original == backup
