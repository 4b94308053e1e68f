"""Reactions to other apps' events. Each runs once per event (the outbox deduplicates)."""

from __future__ import annotations

from django.template.loader import render_to_string

from apps.bookings import selectors as booking_selectors
from apps.core.models import OutboxEvent
from apps.core.outbox import event_handler
from apps.notifications import services
from apps.payments.models import Refund


@event_handler("booking.confirmed")
@event_handler("booking.confirmation_requested")
def send_booking_confirmation(event: OutboxEvent) -> None:
    booking = booking_selectors.booking_get_for_system(locator=event.payload["locator"])
    context = {
        "booking": booking,
        "segments": list(booking.segments.all()),
        "passengers": list(booking.passengers.all()),
    }
    services.notification_email_send(
        event_id=event.id,
        kind="booking_confirmed",
        recipient=booking.contact_email,
        subject=render_to_string("notifications/booking_confirmed_subject.txt", context).strip(),
        body=render_to_string("notifications/booking_confirmed.txt", context),
        user=booking.user,
    )


@event_handler("refund.succeeded")
def send_refund_notice(event: OutboxEvent) -> None:
    refund = Refund.objects.select_related("payment__booking__user").get(pk=event.payload["refund_id"])
    booking = refund.payment.booking
    context = {"booking": booking, "refund": refund}
    services.notification_email_send(
        event_id=event.id,
        kind="refund_succeeded",
        recipient=booking.contact_email,
        subject=render_to_string("notifications/refund_succeeded_subject.txt", context).strip(),
        body=render_to_string("notifications/refund_succeeded.txt", context),
        user=booking.user,
    )
