# label: negative
# not: fileptr.E002
from django.core.files.base import ContentFile
from rest_framework import serializers

from .images import strip_exif


class PhotoSerializer(serializers.Serializer):
    image = serializers.ImageField()

    def create(self, validated_data):
        upload = validated_data["image"]
        cleaned = strip_exif(upload.read())
        validated_data["image"] = ContentFile(cleaned, name=upload.name)
        return super().create(validated_data)
