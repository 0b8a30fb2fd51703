# label: positive
# not: fileptr.E001
from django.core.files.storage import FileSystemStorage

CHUNK = 64 * 1024


class ScanningStorage(FileSystemStorage):
    def _save(self, name, content):
        scanned = 0
        while block := content.read(CHUNK):  # expect: fileptr.E003
            scanned += len(block)
        return super()._save(name, content)
