import logging

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import ApiKeyScope
from apps.accounts.permissions import HasApiKeyScope
from apps.bookings.errors import BookingNotFound, BookingNotPayable, HoldExpired
from apps.core.api.caching import PersonalDataApi
from apps.core.api.schema import answers
from apps.core.errors import TryAgain
from apps.core.idempotency import idempotent
from apps.payments import services
from apps.payments.api.serializers import PaymentCreateInputSerializer, PaymentSerializer
from apps.payments.errors import (
    BookingAlreadyPaid,
    PaymentDeclined,
    PaymentInProgress,
    PaymentMethodInvalid,
    PaymentProviderUnavailable,
    WebhookInvalid,
)
from apps.payments.models import PaymentStatus
from apps.payments.providers import get_provider

logger = logging.getLogger(__name__)


class PaymentCreateApi(PersonalDataApi, APIView):
    """Pay a held booking in full. 201: paid, the booking is confirmed and tickets are
    issued. 202: the bank asks for 3-D Secure; send the customer to `next_action`, and
    read the booking again (or wait for your webhook) for the result."""

    permission_classes = [HasApiKeyScope]
    required_scopes = {"POST": ApiKeyScope.PAY.value}

    @extend_schema(
        request=PaymentCreateInputSerializer,
        responses={201: PaymentSerializer, 202: PaymentSerializer},
        examples=[OpenApiExample("A card (sandbox)", request_only=True, value={"payment_method": "pm_card_visa"})],
    )
    @answers(
        PaymentMethodInvalid,
        PaymentDeclined,
        BookingNotFound,
        BookingAlreadyPaid,
        BookingNotPayable,
        HoldExpired,
        PaymentInProgress,
        TryAgain,
        PaymentProviderUnavailable,
    )
    @idempotent
    def post(self, request: Request, locator: str) -> Response:
        payload = PaymentCreateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        payment = services.payment_create(
            locator=locator,
            payment_method=payload.validated_data["payment_method"],
            return_url=payload.validated_data["return_url"],
            user=request.user,
        )
        payment.booking.refresh_from_db()
        action = getattr(payment, "next_action", None)
        if action and action.get("url", "").startswith("/"):
            action["url"] = request.build_absolute_uri(action["url"])
        # 201 only when paid; an attempt still in flight (3-D Secure, processing) is 202.
        code = status.HTTP_201_CREATED if payment.status == PaymentStatus.SUCCEEDED else status.HTTP_202_ACCEPTED
        return Response(PaymentSerializer(payment).data, status=code)


class StripeWebhookApi(APIView):
    """Stripe's events. The signature is checked on the raw body (5-minute tolerance); an
    event is stored once by its id with its effect, so a redelivery changes nothing."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        request={"application/json": dict},
        responses={
            200: OpenApiResponse(
                inline_serializer(
                    "StripeWebhookReceipt",
                    {"received": serializers.BooleanField(), "duplicate": serializers.BooleanField()},
                ),
                description="Received (`duplicate`: a replay of an event already applied)",
            )
        },
        auth=[],
    )
    @answers(WebhookInvalid)
    def post(self, request: Request) -> Response:
        payload = request.body
        provider = get_provider("stripe")
        event = provider.webhook_event(payload, request.headers.get("Stripe-Signature", ""))
        new, outcome = services.webhook_event_apply(provider=provider.name, event=event)
        logger.info("stripe event %s %s: %s", event.id, event.type, outcome)
        return Response({"received": True, "duplicate": not new})
