# label: positive
# not: fileptr.E001
from io import BytesIO

from django.core.files.storage import default_storage
from PIL import Image


def upload_converted(request):
    upload = request.FILES["image"]
    out = BytesIO()
    Image.open(upload).convert("RGB").save(out, "JPEG")
    upload.file = out  # at the end of what was just written
    return default_storage.save(upload.name, upload)  # expect: fileptr.E002
