# label: negative
# not: fileptr.E001, fileptr.E002
from io import BytesIO

from django.core.files.uploadedfile import InMemoryUploadedFile
from PIL import Image


def resized_upload(photo, upload, side=1600):
    image = Image.open(upload)
    image.thumbnail((side, side))
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=85)
    size = buffer.tell()
    buffer.seek(0)
    resized = InMemoryUploadedFile(buffer, "image", upload.name, "image/jpeg", size, None)
    photo.image.save(upload.name, resized)
    return photo
