# label: negative
# not: fileptr.E003
from django.core.files.storage import Storage

from .sdk import client


class MinioLikeStorage(Storage):
    def _save(self, name, content):
        if hasattr(content, "seek") and callable(content.seek):
            content.seek(0)
        client.put_object("bucket", name, content)
        return name


class AzureLikeStorage(Storage):
    def _save(self, name, content):
        # Storage.save() always hands _save a File, which has chunks(): no else path
        if hasattr(content, "chunks"):
            data = b"".join(content.chunks())
        else:
            data = content.read()
        client.put_blob("container", name, data)
        return name
