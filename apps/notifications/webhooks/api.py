"""`webhooks/`: a partner's endpoints and their delivery logs, for the partner's API keys
(scope `webhooks` or `book`) and its agents. Another partner's endpoint is "not found"."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api_keys import InsufficientScope, PartnerKeyPrincipal
from apps.accounts.models import ApiKeyScope
from apps.core.api.caching import PersonalDataApi
from apps.core.api.schema import PERMISSION_DENIED, answers
from apps.core.errors import TryAgain
from apps.notifications.webhook_models import WebhookDelivery, WebhookDeliveryState, WebhookEndpoint, WebhookEventType
from apps.notifications.webhooks import selectors, services
from apps.notifications.webhooks.selectors import WebhookDeliveryNotFound, WebhookEndpointNotFound

SCOPES = (ApiKeyScope.WEBHOOKS.value, ApiKeyScope.BOOK.value)


class ManagesPartnerWebhooks(BasePermission):
    """A partner's API key with the `webhooks` or `book` scope, or one of its agents."""

    message = "Only a partner's agents and API keys manage webhooks."

    def api_keys_accepted(self, view: Any, method: str) -> bool:
        return True

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = request.user
        if principal is None or not principal.is_authenticated:
            return False
        if isinstance(principal, PartnerKeyPrincipal):
            if not any(principal.has_scope(scope) for scope in SCOPES):
                raise InsufficientScope("This API key lacks the `webhooks` (or `book`) scope.")
            return True
        return selectors.webhook_partner_of(principal) is not None


class WebhookEndpointSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEventType.choices))
    enabled = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    disabled_at = serializers.DateTimeField(
        allow_null=True, help_text="When we switched it off after it failed for 3 days (enable it again to resume)"
    )


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(help_text="Signs every delivery; shown now only")


class WebhookEndpointInputSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2000, help_text="https:// only; must resolve to public internet addresses")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEventType.choices), min_length=1, max_length=20
    )
    enabled = serializers.BooleanField(default=True)


class WebhookEndpointUpdateSerializer(WebhookEndpointInputSerializer):
    url = serializers.URLField(max_length=2000, required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEventType.choices), min_length=1, max_length=20, required=False
    )
    enabled = serializers.BooleanField(required=False)


class WebhookSecretSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    secret = serializers.CharField(help_text="The new signing secret; shown now only")
    previous_secret_expires_at = serializers.DateTimeField(help_text="Until then the old secret signs too")


class WebhookDeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event_id = serializers.UUIDField(help_text="The body's `id`; the same on every attempt and resend")
    event = serializers.CharField(source="event_type")
    state = serializers.ChoiceField(choices=WebhookDeliveryState.choices)
    attempts = serializers.IntegerField()
    last_status = serializers.IntegerField(source="last_status_code", allow_null=True)
    last_response_ms = serializers.IntegerField(allow_null=True)
    last_response_body = serializers.CharField(help_text="The first 500 bytes of the last answer")
    last_error = serializers.CharField()
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    succeeded_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    resend_of = serializers.IntegerField(source="resend_of_id", allow_null=True)


class _WebhookApi(PersonalDataApi):
    permission_classes = [ManagesPartnerWebhooks]

    @property
    def partner(self):
        return selectors.webhook_partner_of(self.request.user)


class WebhookListCreateApi(_WebhookApi, ListAPIView):
    """`GET`: the partner's webhook endpoints. `POST`: a new one; its `secret` is in this
    answer only."""

    serializer_class = WebhookEndpointSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookEndpoint.objects.none()
        return selectors.webhook_endpoint_list(partner=self.partner)

    @answers(PERMISSION_DENIED)
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=WebhookEndpointInputSerializer, responses={201: WebhookEndpointCreatedSerializer})
    @answers(PERMISSION_DENIED)
    def post(self, request: Request) -> Response:
        payload = WebhookEndpointInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        endpoint, secret = services.webhook_endpoint_create(
            partner=self.partner, actor=request.user, **payload.validated_data
        )
        data = {**WebhookEndpointSerializer(endpoint).data, "secret": secret}
        return Response(WebhookEndpointCreatedSerializer(data).data, status=status.HTTP_201_CREATED)


class WebhookDetailApi(_WebhookApi, APIView):
    @extend_schema(responses=WebhookEndpointSerializer)
    @answers(PERMISSION_DENIED, WebhookEndpointNotFound)
    def get(self, request: Request, endpoint_id: int) -> Response:
        endpoint = selectors.webhook_endpoint_get(endpoint_id=endpoint_id, partner=self.partner)
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(request=WebhookEndpointUpdateSerializer, responses=WebhookEndpointSerializer)
    @answers(PERMISSION_DENIED, WebhookEndpointNotFound, TryAgain)
    def patch(self, request: Request, endpoint_id: int) -> Response:
        endpoint = selectors.webhook_endpoint_get(endpoint_id=endpoint_id, partner=self.partner)
        payload = WebhookEndpointUpdateSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_update(endpoint=endpoint, actor=request.user, **payload.validated_data)
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(request=None, responses={204: None})
    @answers(PERMISSION_DENIED, WebhookEndpointNotFound)
    def delete(self, request: Request, endpoint_id: int) -> Response:
        endpoint = selectors.webhook_endpoint_get(endpoint_id=endpoint_id, partner=self.partner)
        services.webhook_endpoint_delete(endpoint=endpoint, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookSecretRollApi(_WebhookApi, APIView):
    """A new signing secret (in this answer only); the old one keeps signing for 24 h."""

    @extend_schema(request=None, responses={200: WebhookSecretSerializer})
    @answers(PERMISSION_DENIED, WebhookEndpointNotFound, TryAgain)
    def post(self, request: Request, endpoint_id: int) -> Response:
        endpoint = selectors.webhook_endpoint_get(endpoint_id=endpoint_id, partner=self.partner)
        endpoint, secret = services.webhook_endpoint_secret_roll(endpoint=endpoint, actor=request.user)
        data = {
            "id": endpoint.pk,
            "secret": secret,
            "previous_secret_expires_at": endpoint.previous_secret_expires_at,
        }
        return Response(WebhookSecretSerializer(data).data)


class WebhookDeliveryListApi(_WebhookApi, ListAPIView):
    """The endpoint's delivery log, newest first."""

    serializer_class = WebhookDeliverySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookDelivery.objects.none()
        endpoint = selectors.webhook_endpoint_get(endpoint_id=self.kwargs["endpoint_id"], partner=self.partner)
        return selectors.webhook_delivery_list(endpoint=endpoint)

    @answers(PERMISSION_DENIED, WebhookEndpointNotFound)
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class WebhookDeliveryResendApi(_WebhookApi, APIView):
    """Send the delivery's event again (same body and `id`), as a new delivery; answers it."""

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @answers(PERMISSION_DENIED, WebhookEndpointNotFound, WebhookDeliveryNotFound)
    def post(self, request: Request, endpoint_id: int, delivery_id: int) -> Response:
        endpoint = selectors.webhook_endpoint_get(endpoint_id=endpoint_id, partner=self.partner)
        delivery = selectors.webhook_delivery_get(endpoint=endpoint, delivery_id=delivery_id)
        resend = services.webhook_delivery_resend(delivery=delivery, actor=request.user)
        resend.refresh_from_db()
        return Response(WebhookDeliverySerializer(resend).data, status=status.HTTP_202_ACCEPTED)


urlpatterns = [
    path("webhooks/", WebhookListCreateApi.as_view(), name="webhook-list"),
    path("webhooks/<int:endpoint_id>/", WebhookDetailApi.as_view(), name="webhook-detail"),
    path("webhooks/<int:endpoint_id>/roll-secret/", WebhookSecretRollApi.as_view(), name="webhook-roll-secret"),
    path("webhooks/<int:endpoint_id>/deliveries/", WebhookDeliveryListApi.as_view(), name="webhook-deliveries"),
    path(
        "webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/resend/",
        WebhookDeliveryResendApi.as_view(),
        name="webhook-delivery-resend",
    ),
]
