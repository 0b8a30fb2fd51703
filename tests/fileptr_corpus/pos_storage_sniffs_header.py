# label: positive
# not: fileptr.E001, fileptr.E002
from django.core.files.storage import Storage

WEBP = b"WEBP"


class CdnStorage(Storage):
    def _save(self, name, content):
        header = content.read(12)  # expect: fileptr.E003
        kind = "image/webp" if header[8:12] == WEBP else "application/octet-stream"
        body = header + content.read()
        self.client.put_object(Bucket=self.bucket_name, Key=name, Body=body, ContentType=kind)
        return name
