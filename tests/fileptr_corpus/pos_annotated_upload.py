# label: positive
# not: fileptr.E001
import hashlib

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile


def upload_invoice(request):
    upload: UploadedFile = request.FILES["invoice"]
    digest = hashlib.sha256(upload.read()).hexdigest()
    return default_storage.save(f"invoices/{digest}.pdf", upload)  # expect: fileptr.E002
