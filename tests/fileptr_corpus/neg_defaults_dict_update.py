# label: negative
# not: fileptr.E002
import hashlib

from rest_framework import serializers

from .models import Photo


class PhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = Photo
        fields = ["id", "image", "checksum"]

    def create(self, validated_data):
        upload = validated_data["image"]
        digest = hashlib.sha256(upload.read()).hexdigest()
        defaults = {"owner": self.context["request"].user}
        defaults.update(validated_data)
        upload.seek(0)
        photo, _ = Photo.objects.update_or_create(checksum=digest, defaults=defaults)
        return photo
