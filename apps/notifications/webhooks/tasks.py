"""Celery tasks of partner webhooks: thin wrappers around the services."""

from celery import shared_task

from apps.notifications.webhooks import services


@shared_task(name="notifications.webhook_delivery_send", ignore_result=True)
def webhook_delivery_send(delivery_id: int) -> None:
    services.webhook_delivery_attempt(delivery_id=delivery_id)


@shared_task(name="notifications.webhook_deliveries_retry", ignore_result=True)
def webhook_deliveries_retry() -> int:
    return services.webhook_deliveries_retry()


@shared_task(name="notifications.webhook_deliveries_prune", ignore_result=True)
def webhook_deliveries_prune() -> int:
    return services.webhook_deliveries_prune()
