# label: positive
# not: fileptr.E001
import boto3
from django.core.files.storage import Storage


class BucketStorage(Storage):
    bucket = "photos"

    def __init__(self):
        self.s3 = boto3.client("s3")

    def _save(self, name, content):
        self.s3.upload_fileobj(content, self.bucket, name)  # expect: fileptr.E003
        return name
