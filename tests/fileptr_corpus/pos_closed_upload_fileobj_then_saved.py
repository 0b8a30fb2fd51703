# label: positive
# not: fileptr.E002, fileptr.W004
import boto3
from django.http import JsonResponse

from .models import Photo

s3 = boto3.client("s3")


def upload_photo(request):
    upload = request.FILES["photo"]
    s3.upload_fileobj(upload, "originals", upload.name)
    photo = Photo.objects.create(image=upload)  # expect: fileptr.E005
    return JsonResponse({"id": photo.pk})
