# label: negative
# not: fileptr.E003
from django.core.files.storage import Storage


class ImageKitStorage(Storage):
    def __init__(self, client):
        self.client = client

    def _save(self, name, content):
        if hasattr(content, "seek"):
            content.seek(0)
        data = content.read()
        result = self.client.upload_file(file=data, file_name=name)
        return result.file_path
