# label: negative
# not: fileptr.E001
from rest_framework import serializers

from .models import Photo, Tag


class PhotoSerializer(serializers.ModelSerializer):
    tags = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Photo
        fields = ["id", "image", "tags"]

    def create(self, validated_data):
        upload = validated_data["image"]
        names = [name.lower() for name in validated_data["tags"]]
        for name in validated_data["tags"]:
            Tag.objects.get_or_create(name=name)
        photo = Photo.objects.create(image=upload)
        photo.tags.set(Tag.objects.filter(name__in=names))
        return photo
