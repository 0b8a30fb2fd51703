# label: positive
# not: fileptr.W001
from rest_framework import serializers

from .images import to_webp


class PhotoSerializer(serializers.Serializer):
    image = serializers.ImageField()

    def create(self, validated_data):
        try:
            validated_data["image"] = to_webp(validated_data["image"])
        except Exception:
            raise serializers.ValidationError("Upload failed")  # expect: fileptr.W002
        return validated_data
