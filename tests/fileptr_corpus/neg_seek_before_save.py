# label: negative
# not: fileptr.E002
import hashlib

from rest_framework import serializers


class PhotoSerializer(serializers.ModelSerializer):
    def create(self, validated_data):
        upload = validated_data["image"]
        validated_data["checksum"] = hashlib.sha256(upload.read()).hexdigest()
        upload.seek(0)
        return super().create(validated_data)
