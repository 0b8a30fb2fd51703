# label: positive
# not: fileptr.E003
from django.core.files.storage import default_storage

from shop.images import optimize


def upload_product_image(request):
    upload = request.FILES["image"]
    optimize(upload)
    return default_storage.save(upload.name, upload)  # expect: fileptr.E002
