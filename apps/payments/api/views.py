from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.schema import IDEMPOTENCY_KEY
from apps.core.idempotency import idempotent
from apps.payments import services
from apps.payments.api.serializers import PaymentCreateInputSerializer, PaymentSerializer


class PaymentCreateApi(APIView):
    """Pay a held booking in full; on success it is confirmed and tickets are issued."""

    @extend_schema(
        request=PaymentCreateInputSerializer, responses={201: PaymentSerializer}, parameters=[IDEMPOTENCY_KEY]
    )
    @idempotent
    def post(self, request: Request, locator: str) -> Response:
        payload = PaymentCreateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        payment = services.payment_create(
            locator=locator,
            payment_method=payload.validated_data["payment_method"],
            user=request.user,
        )
        payment.booking.refresh_from_db()
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)
