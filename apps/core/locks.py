"""How row locks are taken, in one place; each app's `locks.py` holds only its querysets.

Every lock is taken inside a transaction, under `lock_timeout()`: a wait longer than
LOCK_TIMEOUT becomes a polite 409 `try_again` (`TryAgain`), never a 500 and never a
request stuck behind another.

The global order, kept on every path so that two transactions never wait for each other
in a circle (by table, then primary key within a table):

    idempotency key → booking → payment → refund → flight → fare classes (by pk) → seats

Outbox events are claimed with SKIP LOCKED, outside that order: nobody waits for them.
The sandbox provider locks its own books (`SandboxRecord`) in its own transactions, as a
remote provider would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.db import OperationalError, connection
from django.db.models import Q, QuerySet

from apps.core.errors import TryAgain
from apps.core.models import IdempotencyKey, OutboxEvent

LOCK_TIMEOUT = "3s"
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a lock_timeout that ran out


@contextmanager
def lock_timeout() -> Iterator[None]:
    """Wait at most LOCK_TIMEOUT for the row locks taken inside; refuses to run outside a
    transaction (a lock there would be released at once)."""
    if not connection.in_atomic_block:
        raise RuntimeError("row locks are only taken inside a transaction")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    try:
        yield
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise TryAgain() from exc
        raise


def outbox_pending_lock(*, now: datetime) -> QuerySet[OutboxEvent]:
    """Undispatched events nobody holds a lease on, locked as they are read (skip the busy)."""
    return (
        OutboxEvent.objects.select_for_update(skip_locked=True)
        .filter(dispatched_at__isnull=True)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))
    )


def idempotency_key_lock(*, client: str, key: str) -> IdempotencyKey:
    with lock_timeout():
        return IdempotencyKey.objects.select_for_update().get(client=client, key=key)
