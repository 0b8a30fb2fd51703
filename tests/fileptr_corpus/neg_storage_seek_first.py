# label: negative
# not: fileptr.E003
from django.core.files.storage import Storage


class ImageKitStorage(Storage):
    def __init__(self, client):
        self.client = client

    def _save(self, name, content):
        content.seek(0)
        result = self.client.upload_file(file=content.read(), file_name=name)
        return result.file_path
