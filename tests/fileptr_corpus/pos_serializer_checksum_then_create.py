# label: positive
# not: fileptr.E001, fileptr.E003
import hashlib

from rest_framework import serializers

from .models import Photo


class PhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = Photo
        fields = ["id", "image", "checksum"]

    def create(self, validated_data):
        upload = validated_data["image"]
        validated_data["checksum"] = hashlib.sha256(upload.read()).hexdigest()
        return super().create(validated_data)  # expect: fileptr.E002
