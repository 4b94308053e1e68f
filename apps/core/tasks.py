from celery import shared_task
from django.conf import settings

from apps.core import idempotency, outbox


# One event per task, under a hard time limit only (no soft limit is configured, and this
# task must never get one): apps/core/outbox.py says why.
@shared_task(name="core.outbox_dispatch", ignore_result=True, time_limit=settings.OUTBOX_DISPATCH_TIME_LIMIT)
def outbox_dispatch(event_id: str) -> None:
    outbox.dispatch(event_id=event_id)


@shared_task(name="core.outbox_sweep", ignore_result=True)
def outbox_sweep() -> int:
    return outbox.sweep()


@shared_task(name="core.idempotency_keys_prune", ignore_result=True)
def idempotency_keys_prune() -> int:
    return idempotency.idempotency_keys_prune()
