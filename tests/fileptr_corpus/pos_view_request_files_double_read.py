# label: positive
# not: fileptr.E002
from io import BytesIO

from django.http import JsonResponse
from PIL import Image


def inspect_upload(request):
    upload = request.FILES["image"]
    size = len(upload.read())
    image = Image.open(BytesIO(upload.read()))  # expect: fileptr.E001
    return JsonResponse({"bytes": size, "width": image.width, "height": image.height})
