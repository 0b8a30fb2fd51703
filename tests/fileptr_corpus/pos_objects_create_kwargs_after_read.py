# label: positive
# not: fileptr.E001
import hashlib

from rest_framework import serializers

from .models import Photo


class PhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = Photo
        fields = ["id", "image", "checksum"]

    def create(self, validated_data):
        image = validated_data["image"]
        validated_data["checksum"] = hashlib.sha256(image.read()).hexdigest()
        return Photo.objects.create(owner=self.context["request"].user, **validated_data)  # expect: fileptr.E002
