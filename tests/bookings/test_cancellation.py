"""Cancellation: a quote by the fare rules, then the cancellation, which gives the seats back."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.bookings import services
from apps.bookings.models import Booking
from apps.core import clock
from apps.core.models import OutboxEvent
from apps.inventory.models import SeatAssignment
from apps.inventory.offers import PassengerMix, offer_build
from apps.payments.services import payment_create
from tests.factories import FareClassFactory, FlightFactory, UserFactory

pytestmark = pytest.mark.django_db


def _paid_booking(user, *, days_ahead: int, refundable: bool, price="200.00", change_fee="0.00") -> Booking:
    departure = clock.now() + timedelta(days=days_ahead)
    flight = FlightFactory(departure_at=departure, arrival_at=departure + timedelta(hours=8))
    fare_class = FareClassFactory(
        flight=flight, price=Decimal(price), refundable=refundable, change_fee=Decimal(change_fee)
    )
    offer = offer_build(slices=[[fare_class]], mix=PassengerMix(adults=1), cabin="economy")
    booking = services.booking_create(
        offer_id=offer.id,
        passengers=[services.PassengerInput(type="adult", given_name="Ada", family_name="Lovelace")],
        contact=services.ContactInput(email="ada@example.com"),
        user=user,
    )
    payment_create(locator=booking.locator, payment_method="pm_card_visa", user=user)
    booking.refresh_from_db()
    return booking


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_free_cancellation_within_a_day_of_booking_when_departure_is_a_week_away(api, user):
    booking = _paid_booking(user, days_ahead=10, refundable=False)
    quote = api.get(f"/api/v1/bookings/{booking.locator}/cancellation/").json()
    assert (quote["refund_amount"], quote["paid_amount"]) == ("200.00", "200.00")


def test_non_refundable_fare_after_the_free_window_refunds_nothing(api, user):
    booking = _paid_booking(user, days_ahead=10, refundable=False)
    Booking.objects.filter(pk=booking.pk).update(created_at=clock.now() - timedelta(days=2))
    assert api.get(f"/api/v1/bookings/{booking.locator}/cancellation/").json()["refund_amount"] == "0.00"


def test_departure_within_a_week_is_not_free_but_a_refundable_fare_refunds_less_its_fee(api, user):
    booking = _paid_booking(user, days_ahead=3, refundable=True, change_fee="30.00")
    quote = api.get(f"/api/v1/bookings/{booking.locator}/cancellation/").json()
    assert quote["refund_amount"] == "170.00"


def test_cancelling_gives_seats_and_inventory_back_and_announces_the_refund(api, user):
    booking = _paid_booking(user, days_ahead=10, refundable=False)
    passenger = booking.passengers.get()
    api.put(
        f"/api/v1/bookings/{booking.locator}/seats/",
        {"seats": [{"passenger_id": passenger.pk, "flight_id": booking.segments.get().flight_id, "designator": "20A"}]},
        format="json",
    )
    fare_class = booking.segments.get().fare_class

    response = api.post(f"/api/v1/bookings/{booking.locator}/cancellation/")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["refund_amount"]) == ("cancelled", "200.00")
    fare_class.refresh_from_db()
    assert fare_class.sold == 0
    assert not SeatAssignment.objects.filter(active=True).exists()
    event = OutboxEvent.objects.get(topic="booking.cancelled")
    assert event.payload["refund_amount"] == "200.00"
    detail = api.get(f"/api/v1/bookings/{booking.locator}/").json()
    assert detail["status"] == "cancelled"
    assert detail["events"][-1]["kind"] == "cancelled"


def test_a_cancelled_booking_cannot_be_cancelled_again(api, user):
    booking = _paid_booking(user, days_ahead=10, refundable=False)
    api.post(f"/api/v1/bookings/{booking.locator}/cancellation/")
    again = api.post(f"/api/v1/bookings/{booking.locator}/cancellation/")
    assert (again.status_code, again.json()["code"]) == (409, "booking_not_changeable")
    assert OutboxEvent.objects.filter(topic="booking.cancelled").count() == 1


def test_cancelling_a_held_booking_refunds_nothing_and_frees_its_seats(api, user):
    fare_class = FareClassFactory()
    offer = offer_build(slices=[[fare_class]], mix=PassengerMix(adults=1), cabin="economy")
    locator = api.post(
        "/api/v1/bookings/",
        {"offer_id": offer.id, "passengers": [{"type": "adult", "given_name": "Ada", "family_name": "Lovelace"}],
         "contact": {"email": "ada@example.com"}},
        format="json",
    ).json()["locator"]  # fmt: skip
    response = api.post(f"/api/v1/bookings/{locator}/cancellation/")
    assert response.json()["refund_amount"] == "0.00"
    fare_class.refresh_from_db()
    assert fare_class.sold == 0


def test_someone_elses_booking_cannot_be_cancelled(user):
    booking = _paid_booking(user, days_ahead=10, refundable=True, price=str(Decimal("99.00")))
    stranger = APIClient()
    stranger.force_authenticate(UserFactory())
    assert stranger.post(f"/api/v1/bookings/{booking.locator}/cancellation/").status_code == 404
    booking.refresh_from_db()
    assert booking.status == "confirmed"
