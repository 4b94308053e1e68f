"""The transactional outbox (DESIGN.md §5).

`publish()` writes an event in the caller's transaction and asks Celery to dispatch it
once that transaction commits; a rolled-back transaction leaves nothing behind. Apps
subscribe with `@event_handler("topic")`; each handler runs once per event, recorded in
ProcessedEvent, so a redelivered event does not run it again. Delivery is at least
once: a crash between a handler's side effect and its record repeats that one handler,
so handlers make their own effects idempotent where a repeat would hurt. When the
broker is unreachable the event waits for `outbox_sweep()`, which the beat schedule
runs every 30 seconds.

Time budget: each event is dispatched by its own task (`core.outbox_dispatch`), also when
the sweeper finds it, so a slow event cannot use up another's time. That task has a hard
time limit only (settings.OUTBOX_DISPATCH_TIME_LIMIT), no soft one: a soft limit raises
wherever the handler happens to be, e.g. after the SMTP server accepted an email and
before the handler recorded it, which turned into a second email on the retry. A handler
bounds its own calls (EMAIL_TIMEOUT, HTTP timeouts) and finishes long before the hard
limit, which remains only for a process that hangs; the event's LEASE outlasts it, so no
second dispatcher takes the event while the first might still run. A process killed
between a side effect and its record repeats that effect once, when the lease has run
out: emails carry a Message-ID derived from the event, so the repeat is recognisable."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from apps.core import clock, degrade, locks, metrics
from apps.core.logging import get_request_id, request_id_var
from apps.core.models import OutboxEvent, ProcessedEvent

logger = logging.getLogger(__name__)

Handler = Callable[[OutboxEvent], None]
_handlers: dict[str, dict[str, Handler]] = defaultdict(dict)

# Longer than the dispatch task's hard time limit, so a lease outlives any task holding it.
LEASE = timedelta(seconds=max(300, settings.OUTBOX_DISPATCH_TIME_LIMIT + 60))
MAX_ATTEMPTS = 12
MAX_BACKOFF = timedelta(hours=1)
# A task queued by the sweeper that never ran (its message lost with the broker) is queued again after this.
REQUEUE_AFTER = LEASE
# After a failed publish this process queues nothing for a moment (events wait for the sweeper).
_broker = degrade.Breaker(seconds=2.0)


def event_handler(topic: str) -> Callable[[Handler], Handler]:
    """Register `fn` to run once for every event of `topic`."""

    def register(fn: Handler) -> Handler:
        _handlers[topic][f"{fn.__module__}.{fn.__qualname__}"] = fn
        return fn

    return register


def handlers_for(topic: str) -> dict[str, Handler]:
    return dict(_handlers.get(topic, {}))


def publish(*, topic: str, payload: dict[str, Any]) -> OutboxEvent:
    """Record an event in the current transaction; dispatch it after commit."""
    if not connection.in_atomic_block:
        raise RuntimeError("outbox events are published inside the transaction of the change they announce")
    event = OutboxEvent.objects.create(topic=topic, payload=payload, request_id=get_request_id())
    transaction.on_commit(lambda: enqueue_dispatch(event_id=str(event.id)))
    return event


def enqueue_dispatch(*, event_id: str) -> bool:
    """Queue the event's dispatch task; False (logged, counted) when the broker refused."""
    from apps.core.tasks import outbox_dispatch

    if _broker.tripped and not outbox_dispatch.app.conf.task_always_eager:
        # It just failed: this request does not wait for it too; the sweeper delivers the event.
        degrade.degraded("broker", "the broker did not answer a moment ago")
        return False
    try:
        # No publish retries: if the broker is down we must not block the request;
        # the sweeper delivers the event once it is back.
        outbox_dispatch.apply_async(args=[event_id], retry=False)
    except Exception as exc:
        # One line per event, no traceback: during an outage every publish fails alike.
        logger.warning("could not enqueue outbox event %s (%s); the sweeper will deliver it", event_id, exc)
        degrade.degraded("broker", f"{type(exc).__name__}: {exc}")
        _broker.trip()
        return False
    return True


def _claim(event_id: str) -> OutboxEvent | None:
    now = clock.now()
    with transaction.atomic():
        event = locks.outbox_pending_lock(now=now).filter(pk=event_id).first()
        if event is None:
            return None
        event.lease_expires_at = now + LEASE
        event.attempts += 1
        event.save(update_fields=["lease_expires_at", "attempts"])
        return event


def dispatch(*, event_id: str) -> bool:
    """Run every handler of the event that has not yet run. True when the event is done.

    The event is claimed with a lease in a short transaction, so no row lock is held
    while handlers send email or call partners."""
    event = _claim(event_id)
    if event is None:
        return False
    token = request_id_var.set(event.request_id or request_id_var.get())
    errors = []
    try:
        done = set(ProcessedEvent.objects.filter(event_id=event.id).values_list("handler", flat=True))
        for name, handler in handlers_for(event.topic).items():
            if name in done:
                continue
            try:
                handler(event)
            except Exception as exc:
                logger.exception("outbox handler %s failed for event %s", name, event.id)
                errors.append(f"{name}: {type(exc).__name__}: {exc}")
                continue
            ProcessedEvent.objects.get_or_create(event_id=event.id, handler=name)
    finally:
        request_id_var.reset(token)

    now = clock.now()
    if errors:
        backoff = min(timedelta(seconds=10 * 2 ** (event.attempts - 1)), MAX_BACKOFF)
        OutboxEvent.objects.filter(pk=event.id).update(
            lease_expires_at=None, available_at=now + backoff, last_error="\n".join(errors)[:4000]
        )
        return False
    OutboxEvent.objects.filter(pk=event.id).update(lease_expires_at=None, dispatched_at=now, last_error="")
    metrics.OUTBOX_DISPATCHED.labels(event.topic).inc()
    return True


def sweep(*, older_than: timedelta | None = None, limit: int = 500) -> int:
    """Queue one dispatch task for each event that is due but was never dispatched;
    returns how many were queued (with tasks run in-process, they have run by then).

    Only events older than `older_than` are taken (default OUTBOX_SWEEP_AFTER_SECONDS), so
    the sweeper does not race the ordinary after-commit dispatch. A queued event is not
    queued again for REQUEUE_AFTER (a task that ran pushes it back on failure itself);
    while the broker refuses, the rest stay due for the next sweep."""
    if older_than is None:
        older_than = timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS)
    now = clock.now()
    with transaction.atomic(durable=True):
        due = [
            str(pk)
            for pk in locks.outbox_pending_lock(now=now)
            .filter(available_at__lte=now, created_at__lte=now - older_than, attempts__lt=MAX_ATTEMPTS)
            .order_by("available_at")
            .values_list("pk", flat=True)[:limit]
        ]
        OutboxEvent.objects.filter(pk__in=due).update(available_at=now + REQUEUE_AFTER)
    for queued, event_id in enumerate(due):
        if not enqueue_dispatch(event_id=event_id):
            OutboxEvent.objects.filter(pk__in=due[queued:], dispatched_at__isnull=True).update(available_at=now)
            return queued
    return len(due)
