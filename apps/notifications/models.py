from django.conf import settings
from django.db import models
from django.utils import timezone


class Notification(models.Model):
    """A message sent to a person: the email we sent, also listed in-app for users."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    recipient = models.EmailField()
    kind = models.CharField(max_length=40)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    event_id = models.UUIDField(help_text="The outbox event that caused it")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["event_id", "kind", "recipient"], name="notification_once_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient}"


from apps.notifications.webhook_models import WebhookDelivery, WebhookEndpoint  # noqa: E402, F401
