# label: negative
# not: fileptr.E004, fileptr.W001
from PIL import Image, UnidentifiedImageError


def image_size(upload):
    try:
        with Image.open(upload) as image:
            return image.size
    except (UnidentifiedImageError, OSError, ValueError):
        return None
