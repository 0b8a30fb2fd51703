# label: positive
# not: fileptr.E005, fileptr.E002
import boto3
from django.conf import settings
from django.http import JsonResponse

from .models import Photo

s3 = boto3.client("s3")


def upload_photo(request):
    upload = request.FILES["photo"]
    if settings.MIRROR_ORIGINALS:
        s3.upload_fileobj(upload, "mirror", upload.name)
    photo = Photo.objects.create(image=upload)  # expect: fileptr.W004
    return JsonResponse({"id": photo.pk})
