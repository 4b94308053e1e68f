from celery import shared_task

from apps.core import idempotency, outbox


@shared_task(name="core.outbox_dispatch", ignore_result=True)
def outbox_dispatch(event_id: str) -> None:
    outbox.dispatch(event_id=event_id)


@shared_task(name="core.outbox_sweep", ignore_result=True)
def outbox_sweep() -> int:
    return outbox.sweep()


@shared_task(name="core.idempotency_keys_prune", ignore_result=True)
def idempotency_keys_prune() -> int:
    return idempotency.idempotency_keys_prune()
