"""Seat maps and seat selection (the inventory and bookings issue, items 2 and 6)."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connections
from rest_framework.test import APIClient

from apps.bookings import services
from apps.flights.services import aircraft_types_ensure
from apps.inventory.models import SeatAssignment
from apps.inventory.offers import PassengerMix, offer_build
from tests.factories import FareClassFactory, FlightFactory, UserFactory

TODAY = date.today()
BORN = {"adult": date(1980, 5, 1), "child": TODAY - timedelta(days=6 * 365), "infant": TODAY - timedelta(days=300)}


@pytest.fixture
def fare_class(db):
    flight = FlightFactory(aircraft=aircraft_types_ensure()["A320"])
    return FareClassFactory(flight=flight, capacity=144)


def _book(fare_class, user, *kinds: str):
    mix = PassengerMix(adults=kinds.count("adult"), children=kinds.count("child"), infants=kinds.count("infant"))
    offer = offer_build(slices=[[fare_class]], mix=mix, cabin="economy")
    return services.booking_create(
        offer_id=offer.id,
        passengers=[
            services.PassengerInput(
                type=kind, given_name="Alex", family_name=f"Traveller{chr(65 + i)}", date_of_birth=BORN[kind]
            )
            for i, kind in enumerate(kinds)
        ],
        contact=services.ContactInput(email="alex@example.com"),
        user=user,
    )


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _choose(client, booking, passenger, designator):
    return client.put(
        f"/api/v1/bookings/{booking.locator}/seats/",
        {"seats": [{"passenger_id": passenger.pk, "flight_id": booking.segments.get().flight_id,
                    "designator": designator}]},
        format="json",
    )  # fmt: skip


def _seat(seatmap: dict, designator: str) -> dict:
    return next(
        seat
        for cabin in seatmap["cabins"]
        for row in cabin["rows"]
        for seat in row["seats"]
        if seat["designator"] == designator
    )


@pytest.mark.django_db
class TestSeatMap:
    def test_seat_map_has_cabins_rows_and_seat_characteristics(self, client, fare_class):
        seatmap = client.get(f"/api/v1/flights/{fare_class.flight_id}/seatmap/").json()
        assert [c["cabin"] for c in seatmap["cabins"]] == ["business", "economy"]
        window = _seat(seatmap, "20A")
        assert window["available"] is True
        assert "window" in window["characteristics"]
        assert "middle" in _seat(seatmap, "20B")["characteristics"]
        assert all("13" not in row_seat["designator"][:2] for c in seatmap["cabins"] for r in c["rows"]
                   for row_seat in r["seats"] if len(row_seat["designator"]) == 3)  # fmt: skip

    def test_exit_row_seats_cost_extra_and_say_so(self, client, fare_class):
        seatmap = client.get(f"/api/v1/flights/{fare_class.flight_id}/seatmap/").json()
        exit_seat = next(
            s for c in seatmap["cabins"] for r in c["rows"] for s in r["seats"] if "exit_row" in s["characteristics"]
        )
        assert Decimal(exit_seat["price"]) > 0
        assert Decimal(_seat(seatmap, "25C")["price"]) == 0

    def test_a_chosen_seat_shows_as_taken(self, client, fare_class):
        user = UserFactory()
        booking = _book(fare_class, user, "adult")
        assert _choose(_client(user), booking, booking.passengers.get(), "20A").status_code == 200
        seatmap = client.get(f"/api/v1/flights/{fare_class.flight_id}/seatmap/").json()
        assert _seat(seatmap, "20A")["available"] is False


@pytest.mark.django_db
class TestChoosingSeats:
    def test_chosen_seat_is_on_the_booking_and_changing_it_frees_the_old_one(self, fare_class):
        user = UserFactory()
        booking = _book(fare_class, user, "adult")
        passenger = booking.passengers.get()
        client = _client(user)
        _choose(client, booking, passenger, "20A")
        body = _choose(client, booking, passenger, "21C").json()

        assert body["passengers"][0]["seats"] == [
            {"flight_id": fare_class.flight_id, "designator": "21C", "price": "0.00"}
        ]
        assert list(SeatAssignment.objects.filter(active=True).values_list("designator", flat=True)) == ["21C"]
        assert "seats_chosen" in [e["kind"] for e in body["events"]]

    def test_priced_seat_adds_to_the_amount_due_of_a_held_booking(self, fare_class):
        user = UserFactory()
        booking = _book(fare_class, user, "adult")
        before = Decimal(booking.total_amount)
        exit_row = "11A"
        body = _choose(_client(user), booking, booking.passengers.get(), exit_row).json()
        assert Decimal(body["total_amount"]) == before + Decimal("35.00")

    def test_children_may_not_sit_in_an_exit_row_and_infants_have_no_seat(self, fare_class):
        user = UserFactory()
        booking = _book(fare_class, user, "adult", "child", "infant")
        child = booking.passengers.get(type="child")
        infant = booking.passengers.get(type="infant")
        client = _client(user)

        refused = _choose(client, booking, child, "11A")
        assert (refused.status_code, refused.json()["code"]) == (422, "seat_not_allowed")
        assert _choose(client, booking, infant, "20B").json()["code"] == "seat_not_allowed"
        assert _choose(client, booking, child, "20B").status_code == 200
        assert SeatAssignment.objects.filter(active=True).count() == 1

    def test_a_taken_seat_is_refused(self, fare_class):
        first, second = UserFactory(), UserFactory()
        _choose(_client(first), (b := _book(fare_class, first, "adult")), b.passengers.get(), "20A")
        other = _book(fare_class, second, "adult")
        response = _choose(_client(second), other, other.passengers.get(), "20A")
        assert (response.status_code, response.json()["code"]) == (409, "seat_unavailable")

    def test_unknown_or_wrong_cabin_seat_is_a_validation_error(self, fare_class):
        user = UserFactory()
        booking = _book(fare_class, user, "adult")
        client = _client(user)
        assert _choose(client, booking, booking.passengers.get(), "99K").json()["code"] == "validation_error"
        assert _choose(client, booking, booking.passengers.get(), "1A").json()["code"] == "validation_error"

    def test_someone_elses_booking_is_not_found(self, fare_class):
        booking = _book(fare_class, UserFactory(), "adult")
        response = _choose(_client(UserFactory()), booking, booking.passengers.get(), "20A")
        assert response.status_code == 404
        assert not SeatAssignment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_twenty_clients_for_the_same_seat_exactly_one_wins():
    flight = FlightFactory(aircraft=aircraft_types_ensure()["A320"])
    fare_class = FareClassFactory(flight=flight, capacity=144)
    bookings = [(user := UserFactory(), _book(fare_class, user, "adult")) for _ in range(20)]
    barrier = threading.Barrier(len(bookings))
    statuses: list[int] = []

    def choose(user, booking) -> None:
        client = _client(user)
        passenger = booking.passengers.get()
        barrier.wait()
        try:
            statuses.append(_choose(client, booking, passenger, "20A").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=choose, args=pair) for pair in bookings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses) == [200] + [409] * 19
    assert SeatAssignment.objects.filter(flight=flight, designator="20A", active=True).count() == 1
