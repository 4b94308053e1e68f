from rest_framework import serializers

from apps.payments.providers.sandbox import TEST_PAYMENT_METHODS


class PaymentCreateInputSerializer(serializers.Serializer):
    payment_method = serializers.CharField(
        max_length=100, help_text=f"A payment method id; in the sandbox one of {', '.join(TEST_PAYMENT_METHODS)}"
    )


class PaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    provider = serializers.CharField()
    status = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    booking_locator = serializers.CharField(source="booking.locator")
    booking_status = serializers.CharField(source="booking.status")
