# label: positive
# not: fileptr.E001
import hashlib

from django.core.files import File
from django.core.files.storage import default_storage


def as_django_file(upload):
    upload.seek(0)
    return File(upload, name=upload.name)


def upload_document(request):
    upload = request.FILES["document"]
    document = as_django_file(upload)
    digest = hashlib.sha256(document.read()).hexdigest()
    return default_storage.save(f"documents/{digest}.pdf", upload)  # expect: fileptr.E002
