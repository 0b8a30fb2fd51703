# label: negative
# not: fileptr.E002
from io import BytesIO

from django.core.files.base import ContentFile
from PIL import ImageOps


def save_thumbnail(image, storage, name):
    thumb = ImageOps.fit(image, (200, 200))
    buffer = BytesIO()
    thumb.save(buffer, "JPEG")
    return storage.save(f"thumbs/{name}", ContentFile(buffer.getvalue()))
