"""Concurrency, for real: threads racing through the booking service on PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connections

from apps.bookings import services
from apps.bookings.models import Booking
from apps.core.errors import DomainError
from apps.inventory.models import FareClass, Hold, HoldStatus
from apps.inventory.offers import PassengerMix, offer_build
from tests.factories import AirportFactory, FareClassFactory, FlightFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _book(fare_classes: list[list[FareClass]], name: str) -> str:
    offer = offer_build(slices=fare_classes, mix=PassengerMix(adults=1), cabin="economy")
    booking = services.booking_create(
        offer_id=offer.id,
        passengers=[services.PassengerInput(type="adult", given_name="Alex", family_name=name)],
        contact=services.ContactInput(email="alex@example.com"),
        user=None,
    )
    return booking.locator


def _race(attempts: list) -> Counter:
    """Start every attempt at the same instant in its own thread; count the outcomes."""
    barrier = threading.Barrier(len(attempts))
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def run(attempt) -> None:
        barrier.wait()
        try:
            attempt()
            outcome = "booked"
        except DomainError as error:
            outcome = error.code
        finally:
            connections.close_all()
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def _name(i: int) -> str:
    return "Racer" + "".join(chr(65 + int(d)) for d in str(i))


def test_fifty_clients_for_the_last_five_seats_sell_exactly_five():
    fare_class = FareClassFactory(capacity=5)
    outcomes = _race([lambda i=i: _book([[fare_class]], _name(i)) for i in range(50)])

    assert outcomes == Counter({"booked": 5, "sold_out": 45})
    fare_class.refresh_from_db()
    assert fare_class.sold == 5
    assert Booking.objects.count() == 5


def test_a_two_leg_booking_racing_one_leg_bookings_is_never_half_held():
    hub = AirportFactory(iata_code="MAN", country="GB", time_zone="Europe/London")
    first_leg = FareClassFactory(capacity=50, flight=FlightFactory(destination=hub))
    second_leg = FareClassFactory(capacity=3, flight=FlightFactory(origin=hub))
    attempts = [lambda i=i: _book([[second_leg]], _name(i)) for i in range(6)]
    attempts += [lambda i=i: _book([[first_leg, second_leg]], _name(100 + i)) for i in range(6)]

    outcomes = _race(attempts)

    assert outcomes["booked"] == 3
    assert outcomes["sold_out"] == 9
    first_leg.refresh_from_db()
    second_leg.refresh_from_db()
    two_leg = [b for b in Booking.objects.all() if b.segments.count() == 2]
    # Every booking holds all of its legs; the first leg sold exactly what two-leg bookings took.
    for booking in Booking.objects.all():
        assert Hold.objects.filter(reference=booking.locator, status=HoldStatus.ACTIVE).count() == (
            booking.segments.count()
        )
    assert first_leg.sold == len(two_leg)
    assert second_leg.sold == 3
    assert Hold.objects.filter(fare_class=first_leg).count() == len(two_leg)
