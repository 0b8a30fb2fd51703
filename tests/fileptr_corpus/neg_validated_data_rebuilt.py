# label: negative
# not: fileptr.E002
from django.core.files.base import ContentFile
from rest_framework import serializers

from .images import strip_exif
from .models import Photo


class PhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = Photo
        fields = ["id", "image"]

    def create(self, validated_data):
        upload = validated_data["image"]
        cleaned = ContentFile(strip_exif(upload.read()), name=upload.name)
        validated_data = {**validated_data, "image": cleaned}
        return super().create(validated_data)
