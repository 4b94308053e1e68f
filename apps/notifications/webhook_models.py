"""Partner webhooks: the endpoints a partner registers and each delivery of an event to
one of them (DESIGN.md §4, docs/webhooks.md). Imported by `models.py` so Django sees them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core import clock
from apps.core.events import Topic
from apps.core.fields import EncryptedCharField


class WebhookEventType(models.TextChoices):
    """The event types a partner can subscribe to (DESIGN.md §4)."""

    BOOKING_CONFIRMED = Topic.BOOKING_CONFIRMED.value, "Booking confirmed"
    BOOKING_CHANGED = Topic.BOOKING_CHANGED.value, "Booking changed"
    BOOKING_CANCELLED = Topic.BOOKING_CANCELLED.value, "Booking cancelled"
    BOOKING_DISRUPTED = Topic.BOOKING_DISRUPTED.value, "Booking disrupted"
    FLIGHT_STATUS_CHANGED = Topic.FLIGHT_STATUS_CHANGED.value, "Flight status changed"
    REFUND_SUCCEEDED = Topic.REFUND_SUCCEEDED.value, "Refund succeeded"
    SERVICES_ADDED = Topic.SERVICES_ADDED.value, "Extras added"


class WebhookEndpoint(models.Model):
    """A URL of a partner's that receives the events it subscribed to, signed with its
    secret. While a secret is rolled, the previous one keeps signing until
    `previous_secret_expires_at`."""

    partner = models.ForeignKey("accounts.Partner", on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list, help_text="The event types sent to this URL")
    enabled = models.BooleanField(default=True)
    secret = EncryptedCharField(max_length=200, help_text="Signs every delivery (shown once to the partner)")
    previous_secret = EncryptedCharField(max_length=200, blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="The first failed attempt since the last success"
    )
    disabled_at = models.DateTimeField(null=True, blank=True, help_text="Switched off after failing for days")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return f"{self.url} ({self.partner})"


class WebhookDeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed (gave up)"
    DISABLED = "disabled", "Endpoint disabled"


class WebhookDelivery(models.Model):
    """One event sent to one endpoint: the exact body (the same bytes on every attempt),
    and what the last attempt got back. A resend is a new delivery of the same event."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4, help_text="The body's `id`: the receiver dedupes by it")
    event_type = models.CharField(max_length=40, choices=WebhookEventType.choices)
    body = models.TextField(help_text="The JSON body, signed as sent")
    state = models.CharField(max_length=10, choices=WebhookDeliveryState.choices, default=WebhookDeliveryState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_response_ms = models.PositiveIntegerField(null=True, blank=True)
    last_response_body = models.TextField(blank=True, help_text="The first 500 bytes of the last answer")
    last_error = models.CharField(max_length=300, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    # A resend goes with its original (SET_NULL would make it a second "original" for a moment).
    resend_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="resends")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            # The outbox may run a handler twice: one delivery per event and endpoint.
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], condition=Q(resend_of__isnull=True), name="webhook_delivery_once"
            ),
            models.CheckConstraint(
                condition=~Q(state="pending") | Q(next_attempt_at__isnull=False), name="webhook_pending_has_next"
            ),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(state="pending"), name="webhook_delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} to {self.endpoint_id}"
