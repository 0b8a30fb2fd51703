# label: negative
# not: fileptr.E002
from io import BytesIO

from django.core.files import File
from PIL import Image


def make_thumbnail(photo):
    image = Image.open(photo.image)
    image.thumbnail((320, 320))
    buffer = BytesIO()
    image.save(buffer, format="JPEG")
    buffer.seek(0)
    photo.thumbnail_size = buffer.getbuffer().nbytes
    thumb = File(buffer, name="thumb.jpg")
    photo.thumbnail.save("thumb.jpg", thumb, save=True)
