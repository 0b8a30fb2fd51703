# label: positive
# not: fileptr.E001
from PIL import Image
from rest_framework import serializers

from .models import Photo


class PhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = Photo
        fields = ["image", "title"]

    def create(self, validated_data):
        # Photo.image is an ImageField (crossmodule-free: models.py of this corpus)
        Image.open(validated_data["image"]).verify()
        return super().create(validated_data)  # expect: fileptr.E002
