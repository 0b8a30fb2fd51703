# label: positive
# not: fileptr.E001
from django.core.files.storage import default_storage
from PIL import Image
from PIL.ImageOps import exif_transpose


def upload_photo(request):
    upload = request.FILES["image"]
    image = Image.open(upload)
    upright = exif_transpose(image)
    default_storage.save(f"photos/{upload.name}", upload)  # expect: fileptr.E002
    return upright.size
