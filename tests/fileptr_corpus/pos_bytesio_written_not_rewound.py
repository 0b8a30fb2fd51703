# label: positive
# not: fileptr.E002
from io import BytesIO

from PIL import Image


def upload_webp(client, upload, name):
    image = Image.open(upload)
    out = BytesIO()
    image.save(out, "WEBP")
    return client.upload_file(file=out, file_name=f"{name}.webp")  # expect: fileptr.E001
