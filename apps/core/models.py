import uuid

from django.db import models
from django.utils import timezone


class OutboxEvent(models.Model):
    """A domain event, written in the same transaction as the change it announces.

    Dispatched by Celery after commit; an event whose dispatch never happened (broker
    down, worker crashed) is picked up again by the periodic sweeper."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    topic = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField(default=dict)
    request_id = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Not to be dispatched before this time: pushed back with a growing delay after a failure.
    available_at = models.DateTimeField(default=timezone.now)
    # A dispatcher that claimed the event holds it until then; others leave it alone.
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(
                fields=["available_at"], condition=models.Q(dispatched_at__isnull=True), name="outbox_pending_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.id}"


class ProcessedEvent(models.Model):
    """One row per (event, handler) that has run to completion: consumers deduplicate here."""

    event_id = models.UUIDField()
    handler = models.CharField(max_length=200)
    processed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event_id", "handler"], name="processed_event_once")]

    def __str__(self) -> str:
        return f"{self.handler} {self.event_id}"
