from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.accounts.models import MessageChannel
from apps.core import clock
from apps.notifications.kinds import NotificationKind


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (tried again with the event)"
    SKIPPED = "skipped", "Skipped (the customer turned these off)"


class Notification(models.Model):
    """One message about one event to one recipient on one channel: an email, an SMS, or
    an entry in the customer's in-app list. Recorded before it is sent, so a redelivered
    event finds it and never sends it twice."""

    Channel = MessageChannel

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications",
        help_text="The customer it is for (the in-app reader; the booking's user for email and SMS)",
    )  # fmt: skip
    booking = models.ForeignKey(
        "bookings.Booking", null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    channel = models.CharField(max_length=10, choices=MessageChannel.choices, default=MessageChannel.EMAIL)
    recipient = models.CharField(
        max_length=254, help_text="An email address, an E.164 phone number, or `user:<id>` in the app"
    )
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    event_id = models.UUIDField(help_text="The outbox event that caused it")
    status = models.CharField(max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.QUEUED)
    provider_id = models.CharField(max_length=120, blank=True, help_text="The SMS provider's message id")
    subject = models.CharField("title / subject", max_length=200)
    body = models.TextField(blank=True)
    error = models.CharField(max_length=500, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_id", "kind", "channel", "recipient"], name="notification_once_per_event"
            ),
            models.CheckConstraint(
                condition=Q(read_at__isnull=True) | Q(channel=MessageChannel.IN_APP), name="notification_read_in_app"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_in_app_list", condition=Q(channel="in_app"))
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.channel} to {self.recipient}"


from apps.notifications.webhook_models import WebhookDelivery, WebhookEndpoint  # noqa: E402, F401
