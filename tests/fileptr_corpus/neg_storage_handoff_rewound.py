# label: negative
# not: fileptr.E003
import requests
from django.core.files.storage import Storage


class WebDavStorage(Storage):
    def _save(self, name, content):
        content.seek(0)
        self._put(name, content)
        return name

    def _put(self, name, content):
        requests.put(f"https://dav.example.com/{name}", data=content, timeout=30)
