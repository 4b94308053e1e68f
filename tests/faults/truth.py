"""What the database must say after any fault (issue 10): charges equal confirmed bookings,
no fare class sold beyond its capacity, one confirmation email recorded per confirmed booking."""

from __future__ import annotations

from django.db.models import F

from apps.bookings.models import Booking, BookingStatus
from apps.core.models import OutboxEvent
from apps.inventory.models import FareClass
from apps.notifications.models import Notification
from apps.payments.models import Payment, PaymentStatus


def assert_database_truth() -> None:
    confirmed = Booking.objects.filter(status=BookingStatus.CONFIRMED)
    charged = Payment.objects.filter(status=PaymentStatus.SUCCEEDED)
    assert sorted(charged.values_list("booking__locator", flat=True)) == sorted(
        confirmed.values_list("locator", flat=True)
    )
    assert not FareClass.objects.filter(sold__gt=F("capacity")).exists()
    for booking in confirmed:
        events = OutboxEvent.objects.filter(payload__locator=booking.locator).values("id")
        confirmations = Notification.objects.filter(kind="booking_confirmed", channel="email", event_id__in=events)
        assert confirmations.count() == 1, booking
