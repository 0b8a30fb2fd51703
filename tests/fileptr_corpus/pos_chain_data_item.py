# label: positive
# not: fileptr.E001
import hashlib

from rest_framework import serializers


def normalised(upload):
    upload.seek(0)
    return upload


def fingerprint(upload):
    return hashlib.sha1(upload.read()).hexdigest()


class DocumentSerializer(serializers.Serializer):
    document = serializers.FileField()

    def create(self, data):
        data["document"] = normalised(data["document"])
        data["sha1"] = fingerprint(data["document"])
        return super().create(data)  # expect: fileptr.E002
