# label: negative
# not: fileptr.W002
from rest_framework import serializers

from .images import to_webp


class PhotoSerializer(serializers.Serializer):
    image = serializers.ImageField()

    def create(self, validated_data):
        try:
            validated_data["image"] = to_webp(validated_data["image"])
        except Exception as exc:
            raise serializers.ValidationError("Upload failed") from exc
        return validated_data
