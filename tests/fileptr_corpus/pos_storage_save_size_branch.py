# label: positive
# not: fileptr.E001, fileptr.E002
from django.core.files.storage import Storage

MULTIPART_THRESHOLD = 8 * 1024 * 1024


class BucketStorage(Storage):
    def _save(self, name, content):
        if content.size > MULTIPART_THRESHOLD:
            return self._save_multipart(name, content)
        body = content.read()  # expect: fileptr.E003
        self.client.put_object(Bucket=self.bucket_name, Key=name, Body=body)
        return name
