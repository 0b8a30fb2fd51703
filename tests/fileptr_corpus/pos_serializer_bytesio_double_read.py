# label: positive
# not: fileptr.E003
import hashlib
from io import BytesIO

from PIL import Image
from rest_framework import serializers


class AvatarSerializer(serializers.Serializer):
    avatar = serializers.ImageField()

    def validate_avatar(self, upload):
        digest = hashlib.md5(upload.read()).hexdigest()
        image = Image.open(BytesIO(upload.read()))  # expect: fileptr.E001
        if image.width < 64:
            raise serializers.ValidationError("too small")
        self.context["digest"] = digest
        return upload  # expect: fileptr.E002
