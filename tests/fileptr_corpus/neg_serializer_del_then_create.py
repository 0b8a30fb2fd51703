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
        del validated_data["image"]
        photo = Photo.objects.create(checksum=digest, **validated_data)
        upload.seek(0)
        photo.image.save(f"{digest}.jpg", upload)
        return photo
