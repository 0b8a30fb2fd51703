import hashlib

from rest_framework import serializers

from .images import make_thumbnail, to_webp
from .models import Photo


class PhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = Photo
        fields = ["id", "title", "image", "thumbnail", "display", "checksum", "created"]
        read_only_fields = ["thumbnail", "display", "checksum", "created"]

    def create(self, validated_data):
        upload = validated_data["image"]
        # Deduplicate by content.
        validated_data["checksum"] = hashlib.sha256(upload.read()).hexdigest()
        photo = super().create(validated_data)
        photo.thumbnail.save(f"{photo.pk}.jpg", make_thumbnail(upload))
        photo.display.save(f"{photo.pk}.webp", to_webp(upload))
        return photo
