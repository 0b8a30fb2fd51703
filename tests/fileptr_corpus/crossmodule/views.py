# label: positive
# not: fileptr.E003
from django.core.files.storage import default_storage
from django.http import JsonResponse

from . import imaging
from .imaging import fingerprint, optimize


def upload_photo(request):
    upload = request.FILES["photo"]
    small = optimize(upload)
    original = upload.read()  # expect: fileptr.E001
    return JsonResponse({"small": small.size, "original": len(original)})


def upload_document(request):
    upload = request.FILES["document"]
    digest = fingerprint(upload)
    name = default_storage.save(f"docs/{digest}", upload)  # expect: fileptr.E002
    return JsonResponse({"name": name})


def mirror_document(request, client):
    upload = request.FILES["document"]
    digest = imaging.fingerprint(upload)
    client.upload_file(file=upload, file_name=digest)  # expect: fileptr.E001
    return JsonResponse({"digest": digest})


def thumbnail_twice(request):
    upload = request.FILES["photo"]
    return JsonResponse({"a": optimize(upload, 150).size, "b": optimize(upload, 600).size})
