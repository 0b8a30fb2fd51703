# label: positive
# not: fileptr.E001
from PIL import Image

from .models import Photo


def store_photo(photo: Photo, upload):
    image = Image.open(upload)
    image.verify()
    photo.image.save(upload.name, upload)  # expect: fileptr.E002
    return photo
