# label: positive
# not: fileptr.E001
from django.core.files.storage import Storage


class MinioStorage(Storage):
    def __init__(self, client, bucket):
        self.client = client
        self.bucket = bucket

    def _save(self, name, content):
        self.client.put_object(self.bucket, name, content, length=content.size)  # expect: fileptr.E003
        return name
