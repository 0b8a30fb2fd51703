# label: negative
# not: fileptr.E001, fileptr.E002
from PIL import Image, ImageOps


def normalised(upload):
    Image.open(upload).verify()
    image = Image.open(upload)
    return ImageOps.exif_transpose(image)
