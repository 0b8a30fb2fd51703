# label: negative
# not: fileptr.E005, fileptr.W004, fileptr.E001
import io

import boto3
from django.core.files.base import ContentFile
from django.http import JsonResponse

from .models import Photo

s3 = boto3.client("s3")


def upload_photo(request):
    upload = request.FILES["photo"]
    data = upload.read()
    s3.upload_fileobj(io.BytesIO(data), "originals", upload.name)
    photo = Photo.objects.create(image=ContentFile(data, name=upload.name))
    return JsonResponse({"id": photo.pk})
