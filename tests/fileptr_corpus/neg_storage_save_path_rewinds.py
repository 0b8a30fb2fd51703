# label: negative
# not: fileptr.E002, fileptr.E003
import hashlib

from django.core.files.storage import Storage

from .sdk import client


class RewindingStorage(Storage):
    def _rewound(self, content):
        if hasattr(content, "seek"):
            content.seek(0)
        return content

    def _save(self, name, content):
        data = self._rewound(content).read()
        client.put(name, data)
        return name


storage = RewindingStorage()


def keep(upload):
    digest = hashlib.sha256(upload.read()).hexdigest()
    # the storage's own _save rewinds before it reads
    return storage.save(f"{digest}.bin", upload)
