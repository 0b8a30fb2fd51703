# label: negative
# not: fileptr.E001
import hashlib


def photo_digests(photo):
    photo.image.open("rb")
    first = hashlib.md5(photo.image.read()).hexdigest()
    photo.image.close()
    photo.image.open("rb")
    second = hashlib.sha1(photo.image.read()).hexdigest()
    photo.image.close()
    return first, second
