# label: negative
# not: fileptr.E001, fileptr.E002
from io import BytesIO

from PIL import Image


def upload_webp(client, upload, name):
    image = Image.open(upload)
    out = BytesIO()
    image.save(out, "WEBP")
    out.seek(0)
    return client.upload_file(file=out, file_name=f"{name}.webp")
