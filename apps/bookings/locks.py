"""The row locks of bookings: a booking comes before its payments and any inventory row
(the global order and `lock_timeout` are in `apps.core.locks`)."""

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
