# label: negative
# not: fileptr.E002
import hashlib

from django.core.files.storage import default_storage


def upload_document(request):
    upload = request.FILES["document"]
    digest = hashlib.sha256(upload.read()).hexdigest()
    upload.open()  # File.open() seeks to 0 on a file that is still open
    return default_storage.save(f"documents/{digest}", upload)
