# label: positive
# not: fileptr.E001
from rest_framework import serializers

from .models import PriceList


class PriceListSerializer(serializers.ModelSerializer):
    class Meta:
        model = PriceList
        fields = ["id", "source", "rows"]

    def create(self, validated_data):
        upload = validated_data["source"]
        validated_data["rows"] = sum(1 for _ in upload)
        return super().create(validated_data)  # expect: fileptr.E002
