from celery import shared_task

from apps.core import outbox


@shared_task(name="core.outbox_dispatch", ignore_result=True)
def outbox_dispatch(event_id: str) -> None:
    outbox.dispatch(event_id=event_id)


@shared_task(name="core.outbox_sweep", ignore_result=True)
def outbox_sweep() -> int:
    return outbox.sweep()
