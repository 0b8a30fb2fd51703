# label: negative
# not: fileptr.E005, fileptr.W004, fileptr.E002
import boto3
from django.http import JsonResponse

from .models import Photo

s3 = boto3.client("s3")


def upload_photo(request):
    upload = request.FILES["photo"]
    photo = Photo.objects.create(image=upload)
    upload.seek(0)
    s3.upload_fileobj(upload, "originals", upload.name)
    return JsonResponse({"id": photo.pk, "name": upload.name, "size": upload.size})
