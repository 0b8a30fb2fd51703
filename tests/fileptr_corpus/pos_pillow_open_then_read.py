# label: positive
# not: fileptr.E002
import base64

from PIL import Image


def preview_payload(upload):
    image = Image.open(upload)
    if image.format not in ("JPEG", "PNG"):
        raise ValueError("unsupported")
    encoded = base64.b64encode(upload.read())  # expect: fileptr.E001
    return {"format": image.format, "data": encoded.decode()}
