"""Bookings with travel documents, as a customer abroad makes them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.bookings import services
from apps.bookings.models import Booking
from apps.core import clock
from apps.inventory.offers import PassengerMix, offer_build
from apps.payments.services import payment_create
from tests.factories import AirportFactory, FareClassFactory, FlightFactory, UserFactory

PASSPORT_NUMBER = "X7341982"
BORN = date(1987, 6, 23)
EXPIRES = date(2034, 9, 30)
PASSWORD = "correct horse battery staple"  # UserFactory's


def passenger(**overrides) -> services.PassengerInput:
    fields = {
        "type": "adult",
        "given_name": "Grace",
        "family_name": "Hopper",
        "date_of_birth": BORN,
        "document_type": "passport",
        "document_number": PASSPORT_NUMBER,
        "document_country": "US",
        "nationality": "US",
        "document_expires_on": EXPIRES,
    }
    return services.PassengerInput(**(fields | overrides))


def trip_abroad(user, *, days_ahead: int = 10, passengers=None, email: str = "grace@example.com") -> Booking:
    """A held booking London → New York for `user` (None: a guest)."""
    departure = clock.now() + timedelta(days=days_ahead)
    new_york = AirportFactory(iata_code="JFK", country="US", time_zone="America/New_York", city="New York")
    flight = FlightFactory(destination=new_york, departure_at=departure, arrival_at=departure + timedelta(hours=8))
    fare_class = FareClassFactory(flight=flight, price=Decimal("300.00"))
    passengers = passengers or [passenger()]
    offer = offer_build(slices=[[fare_class]], mix=PassengerMix(adults=len(passengers)), cabin="economy")
    return services.booking_create(
        offer_id=offer.id,
        passengers=passengers,
        contact=services.ContactInput(email=email, phone="+1 202 555 0100"),
        user=user,
    )


def paid_trip_abroad(user, **kwargs) -> Booking:
    booking = trip_abroad(user, **kwargs)
    payment_create(locator=booking.locator, payment_method="pm_card_visa", user=user)
    booking.refresh_from_db()
    return booking


def fly(booking: Booking) -> None:
    """The booking's flights took off and landed yesterday."""
    for segment in booking.segments.select_related("flight"):
        departure = clock.now() - timedelta(days=1)
        type(segment.flight).objects.filter(pk=segment.flight_id).update(
            departure_at=departure, arrival_at=departure + timedelta(hours=8)
        )


@pytest.fixture
def customer():
    return UserFactory(email="grace@example.com", first_name="Grace", last_name="Hopper")


@pytest.fixture
def customer_api(customer):
    client = APIClient()
    client.force_authenticate(customer)
    return client
