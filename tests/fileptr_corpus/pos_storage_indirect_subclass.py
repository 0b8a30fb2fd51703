# label: positive
# not: fileptr.E001
from django.core.files.storage import Storage


class RemoteStorage(Storage):
    def __init__(self, client):
        self.client = client


class CdnStorage(RemoteStorage):
    def _save(self, name, file):
        payload = file.read()  # expect: fileptr.E003
        return self.client.put(name, payload)
