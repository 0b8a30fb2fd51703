# label: positive
# not: fileptr.E002
import hashlib

import requests
from celery import shared_task
from django.core.files.storage import default_storage


@shared_task
def push_to_cdn(name):
    with default_storage.open(name, "rb") as fh:
        etag = hashlib.md5(fh.read()).hexdigest()
        requests.post(  # expect: fileptr.E001
            "https://cdn.invalid/upload", files={"file": fh}, data={"etag": etag},
            timeout=30)
