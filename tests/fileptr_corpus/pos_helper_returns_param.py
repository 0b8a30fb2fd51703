# label: positive
# not: fileptr.E001
from django.core.files.storage import default_storage
from PIL import Image


def validated(fileobj):
    Image.open(fileobj).verify()
    return fileobj


def save_picture(upload):
    checked = validated(upload)
    return default_storage.save(upload.name, checked)  # expect: fileptr.E002
