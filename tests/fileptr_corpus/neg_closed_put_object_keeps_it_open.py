# label: negative
# not: fileptr.E005, fileptr.W004, fileptr.E002
import boto3
from django.http import JsonResponse

from .models import Photo

s3 = boto3.client("s3")


def upload_photo(request):
    upload = request.FILES["photo"]
    s3.put_object(Bucket="originals", Key=upload.name, Body=upload)
    upload.seek(0)
    photo = Photo.objects.create(image=upload)
    return JsonResponse({"id": photo.pk})
