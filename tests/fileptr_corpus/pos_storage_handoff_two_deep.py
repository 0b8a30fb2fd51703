# label: positive
# not: fileptr.E001, fileptr.E002
import requests
from django.core.files.storage import Storage


class WebDavStorage(Storage):
    def _save(self, name, content):
        self._put(name, content)  # expect: fileptr.E003
        return name

    def _put(self, name, content):
        self._send(f"https://dav.example.com/{name}", content)

    def _send(self, url, body):
        requests.put(url, data=body, timeout=30)
