# label: positive
# not: fileptr.E001, fileptr.E002
from django.core.files.storage import Storage
from imagekitio import ImageKit


class ImageKitStorage(Storage):
    def __init__(self):
        self.client = ImageKit(private_key="", public_key="", url_endpoint="")

    def _save(self, name, content):
        data = content.read()  # expect: fileptr.E003
        result = self.client.upload_file(file=data, file_name=name)
        return result.file_path
