# label: negative
# not: fileptr.E001, fileptr.E002
import hashlib

from django.core.files.storage import default_storage
from django.http import JsonResponse


def upload_gallery(request):
    names = []
    for image in request.FILES.getlist("images"):
        digest = hashlib.sha256(image.read()).hexdigest()
        image.seek(0)
        names.append(default_storage.save(f"gallery/{digest}.jpg", image))
    return JsonResponse({"names": names})
