"""The row locks of webhook deliveries: claimed with SKIP LOCKED, as outbox events are
(outside the global order of apps.core.locks: nobody waits for them)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from apps.core.locks import lock_timeout
from apps.notifications.webhook_models import WebhookDelivery, WebhookDeliveryState, WebhookEndpoint


def webhook_deliveries_due_lock(*, now: datetime) -> QuerySet[WebhookDelivery]:
    """Pending deliveries whose next attempt is due, skipping those another worker holds."""
    return WebhookDelivery.objects.select_for_update(skip_locked=True).filter(
        state=WebhookDeliveryState.PENDING, next_attempt_at__lte=now
    )


def webhook_endpoint_lock(*, pk: int) -> WebhookEndpoint | None:
    """The endpoint, locked; None when it was deleted meanwhile."""
    with lock_timeout():
        return WebhookEndpoint.objects.select_for_update().filter(pk=pk).first()
