# label: positive
# not: fileptr.E001
import filetype
from django.core.files.storage import default_storage


def save_if_image(upload):
    kind = filetype.guess(upload.read(261))
    if kind is None or not kind.mime.startswith("image/"):
        raise ValueError("not an image")
    return default_storage.save(upload.name, upload)  # expect: fileptr.E002
