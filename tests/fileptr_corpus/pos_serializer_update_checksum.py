# label: positive
# not: fileptr.E001
import hashlib

from rest_framework import serializers

from .models import Photo


class PhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = Photo
        fields = ["id", "image", "checksum"]

    def update(self, instance, validated_data):
        upload = validated_data.get("image")
        if upload:
            instance.checksum = hashlib.sha256(upload.read()).hexdigest()
        return super().update(instance, validated_data)  # expect: fileptr.E002
