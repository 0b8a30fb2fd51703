# label: positive
# not: fileptr.E001
import hashlib

from rest_framework import serializers

from .models import Document


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = ["file", "sha256"]
        read_only_fields = ["sha256"]

    def validate(self, attrs):
        attrs["sha256"] = hashlib.sha256(attrs["file"].read()).hexdigest()
        if Document.objects.filter(sha256=attrs["sha256"]).exists():
            raise serializers.ValidationError("duplicate")
        return attrs  # expect: fileptr.E002
