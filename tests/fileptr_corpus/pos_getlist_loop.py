# label: positive
# not: fileptr.E001
import hashlib

from django.core.files.storage import default_storage
from django.http import JsonResponse


def upload_gallery(request):
    names = []
    for image in request.FILES.getlist("images"):
        digest = hashlib.sha256(image.read()).hexdigest()
        names.append(default_storage.save(f"gallery/{digest}.jpg", image))  # expect: fileptr.E002
    return JsonResponse({"names": names})
