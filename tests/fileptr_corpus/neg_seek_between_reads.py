# label: negative
# not: fileptr.E001, fileptr.E002
import hashlib
from io import BytesIO

from PIL import Image


def validate_photo(upload):
    digest = hashlib.sha256(upload.read()).hexdigest()
    upload.seek(0)
    image = Image.open(BytesIO(upload.read()))
    upload.seek(0)
    return digest, image.size
