# label: negative
# not: fileptr.E001, fileptr.E002
from .models import Album, Gallery


def publish(photo_upload, cover_image):
    # Names that sound like uploads are no evidence: nothing here reads or seeks them.
    Gallery.objects.create(cover=cover_image, source=photo_upload)
    Album.objects.create(cover=cover_image, source=photo_upload)
