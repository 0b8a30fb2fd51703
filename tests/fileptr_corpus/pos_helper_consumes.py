# label: positive
# not: fileptr.E003
import hashlib
from io import BytesIO

from PIL import Image
from rest_framework import serializers


def checksum(fileobj):
    return hashlib.sha256(fileobj.read()).hexdigest()


class ScanSerializer(serializers.Serializer):
    scan = serializers.FileField()

    def validate_scan(self, upload):
        self.context["checksum"] = checksum(upload)
        Image.open(BytesIO(upload.read())).verify()  # expect: fileptr.E001
        return upload  # expect: fileptr.E002
