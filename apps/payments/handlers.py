"""Reactions to events. Each runs at least once per event and is idempotent: a refund is
recorded once per source (`Refund.source_key`) and sent with a provider idempotency key."""

from __future__ import annotations

from decimal import Decimal

from apps.core.events import Topic
from apps.core.models import OutboxEvent
from apps.core.outbox import event_handler
from apps.payments import services


@event_handler(Topic.BOOKING_CANCELLED)
def refund_cancelled_booking(event: OutboxEvent) -> None:
    services.booking_cancellation_refund(
        locator=event.payload["locator"], refund_amount=Decimal(event.payload.get("refund_amount") or "0")
    )


@event_handler(Topic.BOOKING_CANCELLED)
def cancel_waiting_payments(event: OutboxEvent) -> None:
    """A 3-D Secure challenge left open on a cancelled booking is cancelled at the provider,
    so that approving it later charges nobody (were it approved first, it is refunded)."""
    services.payments_abandon(locator=event.payload["locator"])


@event_handler(Topic.REFUND_REQUESTED)
def send_refund_to_provider(event: OutboxEvent) -> None:
    services.refund_execute(refund_id=event.payload["refund_id"])
