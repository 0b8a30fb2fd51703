# label: negative
# not: fileptr.E003
from django.core.files.storage import Storage


class BlobStorage(Storage):
    def __init__(self, container):
        self.container = container

    def _save(self, name, content):
        data = b"".join(content.chunks())
        self.container.upload_blob(name, data, overwrite=True)
        return name
