# label: negative
# not: fileptr.E001, fileptr.E002
import hashlib
from io import BytesIO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image


def store_with_thumbnail(upload):
    data = upload.read()
    digest = hashlib.sha256(data).hexdigest()
    image = Image.open(BytesIO(data))
    image.thumbnail((300, 300))
    out = BytesIO()
    image.save(out, "JPEG")
    default_storage.save(f"thumbs/{digest}.jpg", ContentFile(out.getvalue()))
    return default_storage.save(f"photos/{digest}", ContentFile(data))
