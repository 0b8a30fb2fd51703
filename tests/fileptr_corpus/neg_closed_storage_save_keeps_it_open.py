# label: negative
# not: fileptr.E005, fileptr.W004
from django.core.files.storage import default_storage
from django.http import JsonResponse
from PIL import Image


def upload_photo(request):
    upload = request.FILES["photo"]
    name = default_storage.save(f"photos/{upload.name}", upload)
    upload.seek(0)
    with Image.open(upload) as image:
        image.verify()
    return JsonResponse({"name": name})
