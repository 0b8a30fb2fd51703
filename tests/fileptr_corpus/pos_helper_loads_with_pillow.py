# label: positive
# not: fileptr.E001
from django.core.files.storage import default_storage
from PIL import Image


def dimensions(fileobj):
    image = Image.open(fileobj)
    image = image.convert("RGB")
    return image.size


def store(upload):
    width, height = dimensions(upload)
    return default_storage.save(f"{width}x{height}-{upload.name}", upload)  # expect: fileptr.E002
