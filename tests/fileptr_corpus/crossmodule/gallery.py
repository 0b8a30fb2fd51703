# label: positive
# not: fileptr.W004
from django.http import JsonResponse

from ..models import Photo
from .bucket import mirror, mirror_copy


def upload_photo(request):
    upload = request.FILES["photo"]
    mirror(upload, f"photos/{upload.name}")
    photo = Photo.objects.create(image=upload)  # expect: fileptr.E005
    return JsonResponse({"id": photo.pk})


def upload_photo_copy(request):
    upload = request.FILES["photo"]
    mirror_copy(upload, f"photos/{upload.name}")
    photo = Photo.objects.create(image=upload)
    return JsonResponse({"id": photo.pk})
