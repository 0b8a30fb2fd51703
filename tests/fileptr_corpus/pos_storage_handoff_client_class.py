# label: positive
# not: fileptr.E001, fileptr.E002
import httpx
from django.core.files.storage import Storage


class Uploader:
    def __init__(self, endpoint):
        self.endpoint = endpoint

    def push(self, name, fileobj):
        return httpx.post(self.endpoint, files={"file": (name, fileobj)})


class CdnStorage(Storage):
    def __init__(self):
        self.uploader = Uploader("https://cdn.example.com/upload")

    def _save(self, name, content):
        self.uploader.push(name, content)  # expect: fileptr.E003
        return name
