# label: negative
# not: fileptr.E001
from django.conf import settings

from .models import Photo


def sync_pending(session):
    for photo in Photo.objects.filter(synced=False):
        with photo.image.open("rb") as fh:
            session.post(settings.ARCHIVE_URL, files={"file": (photo.image.name, fh)}, timeout=10)
        with photo.image.open("rb") as fh:
            session.post(settings.CDN_URL, files={"file": (photo.image.name, fh)}, timeout=10)
        photo.synced = True
        photo.save(update_fields=["synced"])
