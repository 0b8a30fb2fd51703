import hashlib

from rest_framework import serializers

from .images import make_thumbnail, to_webp
from .models import Photo


class PhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = Photo
        fields = ["id", "title", "image", "thumbnail", "checksum", "created"]
        read_only_fields = ["thumbnail", "checksum", "created"]

    def create(self, validated_data):
        upload = validated_data["image"]
        # Deduplicate by content.
        validated_data["checksum"] = hashlib.sha256(upload.read()).hexdigest()
        photo = super().create(validated_data)
        photo.thumbnail.save(f"{photo.pk}.jpg", make_thumbnail(upload))
        return photo
