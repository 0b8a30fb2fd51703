# label: negative
# not: fileptr.E005, fileptr.W004
import hashlib

from django.core.files.storage import default_storage
from django.http import JsonResponse


def upload_document(request):
    with request.FILES["document"] as upload:
        digest = hashlib.sha256(upload.read()).hexdigest()
        upload.seek(0)
        name = default_storage.save(f"docs/{digest}", upload)
    return JsonResponse({"name": name, "original": upload.name})
