"""The only module of core that takes row locks: claiming outbox events. SKIP LOCKED, so
two dispatchers (a worker and the sweeper) never wait for, or take, the same event."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from apps.core.models import IdempotencyKey, OutboxEvent


def outbox_pending_lock(*, now: datetime) -> QuerySet[OutboxEvent]:
    """Undispatched events nobody holds a lease on, locked as they are read (skip the busy)."""
    return (
        OutboxEvent.objects.select_for_update(skip_locked=True)
        .filter(dispatched_at__isnull=True)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))
    )


def idempotency_key_lock(*, client: str, key: str) -> IdempotencyKey:
    return IdempotencyKey.objects.select_for_update().get(client=client, key=key)
