# label: negative
# not: fileptr.E005, fileptr.W004
import boto3
from django.http import JsonResponse

from .models import Photo

s3 = boto3.client("s3")


def upload_photo(request):
    upload = request.FILES["photo"]
    if request.POST.get("mirror_only"):
        s3.upload_fileobj(upload, "mirror", upload.name)
        return JsonResponse({"mirrored": True})
    photo = Photo.objects.create(image=upload)
    return JsonResponse({"id": photo.pk})
