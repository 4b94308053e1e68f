"""The only module of bookings that takes row locks. A booking row is locked before any
inventory row (fare classes), so the order is the same on every path."""

from __future__ import annotations

from apps.bookings.errors import BookingNotFound
from apps.bookings.models import Booking
from apps.core.locks import lock_timeout


def booking_lock(*, locator: str) -> Booking:
    with lock_timeout():
        booking = Booking.objects.select_for_update().filter(locator=locator).first()
    if booking is None:
        raise BookingNotFound()
    return booking
