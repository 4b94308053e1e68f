"""Reactions to other apps' events: every topic with a route (apps/notifications/routing.py)
tells the customer. Each runs once per event (the outbox deduplicates); the service
records every message, so a repeat after a crash sends nothing twice."""

from __future__ import annotations

from apps.core.models import OutboxEvent
from apps.core.outbox import event_handler
from apps.notifications import services
from apps.notifications.routing import ROUTES


def notify_customer(event: OutboxEvent) -> None:
    services.notifications_for_event(event=event)


for _topic in ROUTES:
    event_handler(_topic)(notify_customer)
