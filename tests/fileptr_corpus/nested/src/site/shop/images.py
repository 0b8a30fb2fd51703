# label: negative
# not: fileptr.E001, fileptr.E002
from PIL import Image


def optimize(upload):
    image = Image.open(upload)
    image.load()
    return image.size
