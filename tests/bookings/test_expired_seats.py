"""A hold that ran out frees its seats for everyone at once, whatever runs in the
background (issue 10, newcomer papercuts): the seat map shows them free, another
customer may take them, and a late payment for the old booking never confirms it with a
seat that someone else now has."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.bookings import services
from apps.bookings.models import Booking
from apps.core import clock
from apps.flights.services import aircraft_types_ensure
from apps.inventory.models import Hold, SeatAssignment
from apps.payments import services as payment_services
from apps.payments.models import RefundReason
from tests.bookings.test_seats import _book, _choose, _client, _seat
from tests.factories import FareClassFactory, FlightFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fare_class():
    return FareClassFactory(flight=FlightFactory(aircraft=aircraft_types_ensure()["A320"]), capacity=144)


def _run_out(booking: Booking) -> None:
    """The hold's time is up, and no job has run since."""
    past = clock.now() - timedelta(seconds=1)
    Booking.objects.filter(pk=booking.pk).update(hold_expires_at=past)
    Hold.objects.filter(reference=booking.locator).update(expires_at=past)
    SeatAssignment.objects.filter(reference=booking.locator).update(expires_at=past)


def test_a_seat_chosen_on_a_held_booking_expires_with_the_hold(fare_class):
    user = UserFactory()
    booking = _book(fare_class, user, "adult")
    assert _choose(_client(user), booking, booking.passengers.get(), "20A").status_code == 200
    booking.refresh_from_db()
    assert SeatAssignment.objects.get(reference=booking.locator).expires_at == booking.hold_expires_at


def test_the_seat_of_an_expired_hold_is_free_on_the_seat_map_and_to_the_next_customer(fare_class):
    first, second = UserFactory(), UserFactory()
    booking = _book(fare_class, first, "adult")
    _choose(_client(first), booking, booking.passengers.get(), "20A")
    _run_out(booking)

    seatmap = _client(second).get(f"/api/v1/flights/{fare_class.flight_id}/seatmap/").json()
    assert _seat(seatmap, "20A")["available"] is True

    other = _book(fare_class, second, "adult")
    response = _choose(_client(second), other, other.passengers.get(), "20A")
    assert response.status_code == 200
    assert SeatAssignment.objects.get(designator="20A", active=True).reference == other.locator


def test_a_seat_held_by_a_live_hold_stays_taken(fare_class):
    first, second = UserFactory(), UserFactory()
    booking = _book(fare_class, first, "adult")
    _choose(_client(first), booking, booking.passengers.get(), "20A")
    other = _book(fare_class, second, "adult")
    assert _choose(_client(second), other, other.passengers.get(), "20A").status_code == 409
    seatmap = _client(second).get(f"/api/v1/flights/{fare_class.flight_id}/seatmap/").json()
    assert _seat(seatmap, "20A")["available"] is False


def test_paid_seats_never_expire(fare_class):
    user = UserFactory()
    booking = _book(fare_class, user, "adult")
    _choose(_client(user), booking, booking.passengers.get(), "20C")
    payment_services.payment_create(locator=booking.locator, payment_method="pm_card_visa", user=user)
    assert SeatAssignment.objects.get(reference=booking.locator, active=True).expires_at is None


def test_a_late_payment_whose_seat_was_taken_meanwhile_is_refunded_not_confirmed(fare_class):
    first, second = UserFactory(), UserFactory()
    booking = _book(fare_class, first, "adult")
    _choose(_client(first), booking, booking.passengers.get(), "20A")
    waiting = payment_services.payment_create(
        locator=booking.locator, payment_method="pm_card_authenticationRequired", user=first
    )
    _run_out(booking)
    other = _book(fare_class, second, "adult")
    _choose(_client(second), other, other.passengers.get(), "20A")

    # The customer passes 3-D Secure only now: the money came, the seat has gone.
    payment, outcome = payment_services.sandbox_authenticate(
        reference=waiting.provider_reference, approve=True, actor_label="customer"
    )

    booking.refresh_from_db()
    assert (outcome, booking.status) == (RefundReason.SEATS_RELEASED, "held")
    assert payment.refunds.get().reason == RefundReason.SEATS_RELEASED
    assert SeatAssignment.objects.get(designator="20A", active=True).reference == other.locator


def test_the_booking_page_shows_an_expired_hold_as_expired_and_frees_its_seats(client, fare_class):
    user = UserFactory()
    booking = _book(fare_class, user, "adult")
    _choose(_client(user), booking, booking.passengers.get(), "20A")
    _run_out(booking)
    client.force_login(user)

    page = client.get(f"/bookings/{booking.locator}/")

    assert page.status_code == 200
    booking.refresh_from_db()
    assert booking.status == "expired"
    assert not SeatAssignment.objects.filter(reference=booking.locator, active=True).exists()
    assert services.bookings_expire_due() == 0


def test_a_payment_begun_near_the_end_of_the_hold_keeps_the_seat_with_the_hold(fare_class):
    user = UserFactory()
    booking = _book(fare_class, user, "adult")
    _choose(_client(user), booking, booking.passengers.get(), "20A")
    soon = clock.now() + timedelta(seconds=10)
    Booking.objects.filter(pk=booking.pk).update(hold_expires_at=soon)
    Hold.objects.filter(reference=booking.locator).update(expires_at=soon)
    SeatAssignment.objects.filter(reference=booking.locator).update(expires_at=soon)

    payment_services.payment_create(locator=booking.locator, payment_method="pm_card_authenticationRequired", user=user)

    booking.refresh_from_db()
    assert booking.hold_expires_at > soon
    assert SeatAssignment.objects.get(reference=booking.locator, active=True).expires_at == booking.hold_expires_at
