from __future__ import annotations

from datetime import timedelta

import pytest

from apps.bookings import services
from apps.bookings.models import Booking, BookingStatus
from apps.core import clock
from apps.inventory import selectors as inventory_selectors
from apps.inventory.models import FareClass, Hold
from apps.inventory.offers import PassengerMix, offer_build
from tests.factories import FareClassFactory

pytestmark = pytest.mark.django_db


def _hold(fare_class: FareClass, seats: int) -> Booking:
    offer = offer_build(slices=[[fare_class]], mix=PassengerMix(adults=seats), cabin="economy")
    return services.booking_create(
        offer_id=offer.id,
        passengers=[
            services.PassengerInput(type="adult", given_name="Ada", family_name=f"Tester{chr(65 + i)}")
            for i in range(seats)
        ],
        contact=services.ContactInput(email="ada@example.com"),
        user=None,
    )


def _available(fare_class: FareClass) -> int:
    return inventory_selectors.fare_classes_with_availability().get(pk=fare_class.pk).available


def test_expired_hold_frees_its_seats_for_the_next_customer_without_the_job():
    fare_class = FareClassFactory(capacity=2)
    first = _hold(fare_class, 2)
    assert _available(fare_class) == 0
    Booking.objects.filter(pk=first.pk).update(hold_expires_at=clock.now() - timedelta(seconds=1))
    Hold.objects.filter(reference=first.locator).update(expires_at=clock.now() - timedelta(seconds=1))

    assert _available(fare_class) == 2  # counted free at read time
    second = _hold(fare_class, 2)  # and really sellable again
    assert second.status == BookingStatus.HELD
    fare_class.refresh_from_db()
    assert fare_class.sold == 2


def test_periodic_job_marks_expired_holds_and_returns_their_seats():
    fare_class = FareClassFactory(capacity=5)
    booking = _hold(fare_class, 3)
    Booking.objects.filter(pk=booking.pk).update(hold_expires_at=clock.now() - timedelta(seconds=1))

    assert services.bookings_expire_due() == 1

    booking.refresh_from_db()
    fare_class.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED
    assert fare_class.sold == 0
    assert list(booking.events.values_list("kind", flat=True)) == ["created", "expired"]
