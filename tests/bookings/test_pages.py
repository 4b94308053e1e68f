"""The booking pages without JavaScript: manage a guest booking, pick seats on the cabin
plan, cancel, and nothing of a booking shown to whoever may not see it."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages

from apps.bookings import services
from apps.bookings.models import Booking, BookingStatus
from apps.bookings.views import GUEST_BOOKINGS_KEY
from apps.core import clock
from apps.flights.services import aircraft_types_ensure
from apps.inventory.models import SeatAssignment
from apps.inventory.offers import PassengerMix, offer_build
from apps.payments.services import payment_create
from tests.factories import FareClassFactory, FlightFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fare_class():
    departure = clock.now() + timedelta(days=10)  # far enough ahead for free cancellation on the day of booking
    flight = FlightFactory(
        aircraft=aircraft_types_ensure()["A320"], departure_at=departure, arrival_at=departure + timedelta(minutes=80)
    )
    return FareClassFactory(flight=flight, capacity=144)


def _book(fare_class, *passengers: tuple[str, str, str], user=None) -> Booking:
    """A held booking; each passenger is (type, given name, family name)."""
    kinds = [kind for kind, _, _ in passengers]
    mix = PassengerMix(adults=kinds.count("adult"), children=kinds.count("child"), infants=kinds.count("infant"))
    born = {"adult": date(1985, 3, 1), "infant": date.today() - timedelta(days=200)}
    return services.booking_create(
        offer_id=offer_build(slices=[[fare_class]], mix=mix, cabin="economy").id,
        passengers=[
            services.PassengerInput(type=kind, given_name=given, family_name=family, date_of_birth=born[kind])
            for kind, given, family in passengers
        ],
        contact=services.ContactInput(email="guest@example.com"),
        user=user,
    )


ADA = ("adult", "Ada", "Lovelace")


def _as_guest_who_made(client, booking: Booking) -> None:
    session = client.session
    session[GUEST_BOOKINGS_KEY] = [booking.locator]
    session.save()


def _seat_input(html: str, passenger_id: int, designator: str) -> str:
    """The radio button of one seat in one passenger's cabin plan."""
    pattern = rf'<input type="radio" name="seat_{passenger_id}" value="{designator}"[^>]*>'
    match = re.search(pattern, html)
    assert match, f"no seat {designator} for passenger {passenger_id}"
    return match[0]


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _seats_url(booking: Booking) -> str:
    return f"/bookings/{booking.locator}/seats/{booking.segments.get().flight_id}/"


def _take_seat(fare_class, designator: str) -> None:
    other = _book(fare_class, ("adult", "Grace", "Hopper"))
    services.booking_seats_choose(
        locator=other.locator,
        choices=[services.SeatChoice(other.passengers.get().pk, fare_class.flight_id, designator)],
        actor=None,
    )


class TestManageBooking:
    def test_locator_and_family_name_in_any_case_open_the_guest_booking(self, client, fare_class):
        booking = _book(fare_class, ("adult", "Charles", "Babbage"), ADA)

        response = client.post("/bookings/manage/", {"locator": booking.locator.lower(), "family_name": "LOVELACE "})

        assert response.status_code == 302
        assert response["Location"] == f"/bookings/{booking.locator}/"
        assert client.session[GUEST_BOOKINGS_KEY] == [booking.locator]
        assert booking.locator in client.get(response["Location"]).content.decode()

    def test_a_wrong_family_name_and_an_unknown_locator_get_the_same_not_found(self, client, fare_class):
        booking = _book(fare_class, ADA)

        wrong_name = client.post("/bookings/manage/", {"locator": booking.locator, "family_name": "Babbage"})
        unknown = client.post("/bookings/manage/", {"locator": "ZZZZZZ", "family_name": "Lovelace"})

        assert (wrong_name.status_code, unknown.status_code) == (404, 404)
        error = re.compile(r'<div class="error-box" role="alert">.*?</div>', re.S)
        assert error.search(wrong_name.content.decode())[0] == error.search(unknown.content.decode())[0]
        assert GUEST_BOOKINGS_KEY not in client.session
        assert client.get(f"/bookings/{booking.locator}/").status_code == 404

    def test_a_booking_made_by_a_signed_in_customer_is_not_handed_to_a_guest(self, client, fare_class):
        booking = _book(fare_class, ADA, user=UserFactory())
        response = client.post("/bookings/manage/", {"locator": booking.locator, "family_name": "Lovelace"})
        assert response.status_code == 404

    def test_the_header_links_to_manage_booking(self, client):
        assert '<a href="/bookings/manage/">Manage booking</a>' in client.get("/bookings/manage/").content.decode()


class TestSeatPage:
    def test_the_booking_page_links_each_flight_to_its_seat_page(self, client, fare_class):
        booking = _book(fare_class, ADA)
        _as_guest_who_made(client, booking)
        html = client.get(f"/bookings/{booking.locator}/").content.decode()
        assert f'href="{_seats_url(booking)}">Choose seats' in html

    def test_the_cabin_plan_has_aisles_exit_rows_prices_and_taken_seats_disabled(self, client, fare_class):
        _take_seat(fare_class, "20A")
        booking = _book(fare_class, ADA)
        _as_guest_who_made(client, booking)
        ada = booking.passengers.get().pk

        html = client.get(_seats_url(booking)).content.decode()

        assert "disabled" in _seat_input(html, ada, "20A")
        assert "disabled" not in _seat_input(html, ada, "20B")
        assert 'aria-label="Seat 11A, window, exit row, extra legroom, 35.00 EUR"' in _seat_input(html, ada, "11A")
        assert "disabled" in _seat_input(html, ada, "1A")  # business: not the booked cabin
        assert 'class="seat-row exit-row"' in html
        assert '<span class="aisle" aria-hidden="true">20</span>' in html
        assert f'name="seat_{ada}" value="13A"' not in html  # no row 13 on this aircraft

    def test_infants_get_no_seat_of_their_own(self, client, fare_class):
        booking = _book(fare_class, ADA, ("infant", "Byron", "Lovelace"))
        _as_guest_who_made(client, booking)
        html = client.get(_seats_url(booking)).content.decode()
        assert html.count("<fieldset") == 1
        assert "Seat for LOVELACE/ADA" in html

    def test_choosing_a_seat_saves_it_and_the_booking_page_shows_it(self, client, fare_class):
        booking = _book(fare_class, ADA)
        _as_guest_who_made(client, booking)
        ada = booking.passengers.get().pk

        response = client.post(_seats_url(booking), {f"seat_{ada}": "21C"})

        assert response.status_code == 302
        assert response["Location"] == f"/bookings/{booking.locator}/"
        assert _messages(response) == ["Seats saved: LOVELACE/ADA 21C."]
        assert SeatAssignment.objects.get(reference=booking.locator, active=True).designator == "21C"
        page = client.get(response["Location"]).content.decode()
        assert re.search(r'<td class="seats">\s*<span class="seat-tag"[^>]*><span class="muted">BA\d+</span> 21C', page)
        assert "checked" in _seat_input(client.get(_seats_url(booking)).content.decode(), ada, "21C")

    def test_a_seat_taken_meanwhile_shows_why_and_changes_nothing(self, client, fare_class):
        booking = _book(fare_class, ADA)
        _as_guest_who_made(client, booking)
        _take_seat(fare_class, "20A")

        response = client.post(_seats_url(booking), {f"seat_{booking.passengers.get().pk}": "20A"})

        assert response.status_code == 302
        assert response["Location"] == _seats_url(booking)
        assert _messages(response) == ["Seat 20A is taken."]
        assert not SeatAssignment.objects.filter(reference=booking.locator).exists()

    def test_a_refused_seat_names_the_passenger(self, client, fare_class):
        booking = _book(fare_class, ADA)
        _as_guest_who_made(client, booking)
        response = client.post(_seats_url(booking), {f"seat_{booking.passengers.get().pk}": "1A"})
        assert _messages(response) == [
            "This seat cannot be chosen.",
            "Seat for LOVELACE/ADA: Seat 1A cannot be chosen in this cabin.",
        ]


class TestCancelPage:
    def test_the_booking_page_quotes_the_refund_and_cancelling_confirms_it(self, client, fare_class):
        booking = _book(fare_class, ADA)
        payment_create(
            locator=booking.locator, payment_method="pm_card_visa", user=None, guest_locators=[booking.locator]
        )
        _as_guest_who_made(client, booking)
        page = client.get(f"/bookings/{booking.locator}/").content.decode()
        assert '<strong class="refund">200.00 EUR</strong>' in page
        assert "Free cancellation within 24 hours of booking." in page

        response = client.post(f"/bookings/{booking.locator}/cancel/", {"confirm": "on"})

        assert response.status_code == 302
        assert _messages(response) == [
            f"Booking {booking.locator} is cancelled. Refund: 200.00 EUR. Free cancellation within 24 hours of booking."
        ]
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CANCELLED
        page = client.get(response["Location"]).content.decode()
        assert "Cancel booking" not in page
        assert "Choose seats" not in page
        assert '<li data-kind="cancelled">' in page

    def test_a_cancelled_booking_has_no_seat_picker(self, client, fare_class):
        booking = _book(fare_class, ADA)
        _as_guest_who_made(client, booking)
        services.booking_cancel(locator=booking.locator, actor=None)

        response = client.get(_seats_url(booking))

        assert response["Location"] == f"/bookings/{booking.locator}/"
        assert _messages(response) == ["This booking is cancelled: its seats can no longer be changed."]

    def test_without_the_confirmation_box_nothing_is_cancelled(self, client, fare_class):
        booking = _book(fare_class, ADA)
        _as_guest_who_made(client, booking)
        response = client.post(f"/bookings/{booking.locator}/cancel/", {})
        assert _messages(response) == ["Tick the box to confirm the cancellation."]
        booking.refresh_from_db()
        assert booking.status == BookingStatus.HELD


def test_the_timeline_speaks_in_words(client, fare_class):
    booking = _book(fare_class, ADA)
    _as_guest_who_made(client, booking)
    html = client.get(f"/bookings/{booking.locator}/").content.decode()
    assert re.search(r'<li data-kind="created">.*Booked: seats held', html)


@pytest.mark.parametrize("signed_in", [False, True], ids=["guest", "other-customer"])
def test_a_stranger_gets_not_found_and_changes_nothing(client, fare_class, signed_in):
    booking = _book(fare_class, ADA, user=UserFactory())
    if signed_in:
        client.force_login(UserFactory())
    passenger = booking.passengers.get().pk

    responses = [
        client.get(f"/bookings/{booking.locator}/"),
        client.get(_seats_url(booking)),
        client.post(_seats_url(booking), {f"seat_{passenger}": "20A"}),
        client.post(f"/bookings/{booking.locator}/cancel/", {"confirm": "on"}),
    ]

    assert [r.status_code for r in responses] == [404] * 4
    assert not SeatAssignment.objects.exists()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.HELD
