from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.fields import AmountField
from apps.payments.providers.sandbox import TEST_PAYMENT_METHODS


class PaymentCreateInputSerializer(serializers.Serializer):
    payment_method = serializers.CharField(
        max_length=100,
        help_text=f"A payment method id (Stripe: `pm_...`); in the sandbox one of {', '.join(TEST_PAYMENT_METHODS)}",
    )
    return_url = serializers.URLField(
        required=False,
        default="",
        help_text="Where a 3-D Secure redirect comes back to (Stripe); the sandbox uses its own page",
    )


class NextActionSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["redirect_to_url", "use_stripe_sdk"])
    url = serializers.CharField(required=False, help_text="redirect_to_url: send the customer here")
    client_secret = serializers.CharField(required=False, help_text="use_stripe_sdk: for Stripe.js handleNextAction")


class PaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    provider = serializers.CharField()
    status = serializers.CharField()
    amount = AmountField()
    currency = serializers.CharField()
    provider_reference = serializers.CharField()
    booking_locator = serializers.CharField(source="booking.locator")
    booking_status = serializers.CharField(source="booking.status")
    next_action = serializers.SerializerMethodField()

    @extend_schema_field(NextActionSerializer(allow_null=True))
    def get_next_action(self, payment) -> dict | None:
        action = getattr(payment, "next_action", None)
        return NextActionSerializer(action).data if action else None
