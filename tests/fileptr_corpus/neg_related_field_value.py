# label: negative
# not: fileptr.E001, fileptr.E002
from rest_framework import serializers

from .models import Order, PromoCode, Redemption


class OrderSerializer(serializers.ModelSerializer):
    promo_code = serializers.PrimaryKeyRelatedField(queryset=PromoCode.objects.all())

    class Meta:
        model = Order
        fields = ["promo_code", "total"]

    def create(self, validated_data):
        # validated_data["promo_code"] is a PromoCode instance, not a file
        Redemption.objects.get_or_create(code=validated_data["promo_code"])
        order, _ = Order.objects.get_or_create(promo_code=validated_data["promo_code"],
                                               total=validated_data["total"])
        return order
