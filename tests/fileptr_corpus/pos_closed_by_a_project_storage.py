# label: positive
# not: fileptr.W004, fileptr.E003
import boto3
from django.core.files.storage import Storage
from django.http import JsonResponse
from PIL import Image

s3 = boto3.client("s3")


class MirrorStorage(Storage):
    def _save(self, name, content):
        content.seek(0)
        s3.upload_fileobj(content, "media", name)
        return name


storage = MirrorStorage()


def upload_photo(request):
    upload = request.FILES["photo"]
    name = storage.save(f"photos/{upload.name}", upload)
    with Image.open(upload) as image:  # expect: fileptr.E005
        return JsonResponse({"name": name, "size": image.size})
