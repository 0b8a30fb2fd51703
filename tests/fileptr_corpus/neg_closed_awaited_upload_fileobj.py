# label: negative
# not: fileptr.E005, fileptr.W004
import aioboto3
from django.http import JsonResponse

from .models import Photo


async def upload_photo(request):
    upload = request.FILES["photo"]
    async with aioboto3.Session().client("s3") as s3:
        await s3.upload_fileobj(upload, "originals", upload.name)
    upload.seek(0)
    photo = await Photo.objects.acreate(image=upload)
    return JsonResponse({"id": photo.pk})
