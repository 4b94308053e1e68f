"""Reactions to other apps' events. Each runs once per event (the outbox deduplicates)."""

from __future__ import annotations

from django.core.mail import send_mail
from django.template.loader import render_to_string

from apps.bookings import selectors as booking_selectors
from apps.bookings.models import Booking
from apps.core.models import OutboxEvent
from apps.core.outbox import event_handler
from apps.notifications.models import Notification


@event_handler("booking.confirmed")
def send_booking_confirmation(event: OutboxEvent) -> None:
    booking = booking_selectors.booking_get_for_system(locator=event.payload["locator"])
    send_booking_email(booking=booking, kind="booking_confirmed", event=event)


def send_booking_email(*, booking: Booking, kind: str, event: OutboxEvent) -> None:
    context = {
        "booking": booking,
        "segments": list(booking.segments.all()),
        "passengers": list(booking.passengers.all()),
    }
    subject = render_to_string(f"notifications/{kind}_subject.txt", context).strip()
    body = render_to_string(f"notifications/{kind}.txt", context)
    if Notification.objects.filter(event_id=event.id, kind=kind, recipient=booking.contact_email).exists():
        return
    send_mail(subject, body, None, [booking.contact_email])
    Notification.objects.create(
        user=booking.user,
        recipient=booking.contact_email,
        kind=kind,
        subject=subject,
        body=body,
        event_id=event.id,
    )
