"""Passenger details are checked against the trip before anything is held."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from rest_framework.test import APIClient

from apps.bookings.models import Booking
from apps.inventory.offers import PassengerMix, offer_build
from tests.factories import AirportFactory, FareClassFactory, FlightFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSPORT = {"type": "passport", "number": "p1234567", "issuing_country": "gb", "nationality": "gb",
            "expires_on": "2035-01-31"}  # fmt: skip


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(UserFactory())
    return client


def _offer(*, international: bool, adults=1, children=0, infants=0):
    destination = (
        AirportFactory(iata_code="JFK", country="US", time_zone="America/New_York")
        if international
        else AirportFactory(iata_code="EDI", country="GB", time_zone="Europe/London")
    )
    fare_class = FareClassFactory(flight=FlightFactory(destination=destination))
    mix = PassengerMix(adults=adults, children=children, infants=infants)
    return fare_class, offer_build(slices=[[fare_class]], mix=mix, cabin="economy").id


def _post(api, offer_id, passengers):
    return api.post(
        "/api/v1/bookings/",
        {"offer_id": offer_id, "passengers": passengers, "contact": {"email": "ada@example.com"}},
        format="json",
    )


def test_trip_abroad_needs_a_travel_document_valid_for_the_whole_trip(api):
    _, offer_id = _offer(international=True)
    adult = {"type": "adult", "given_name": "Ada", "family_name": "Lovelace", "date_of_birth": "1990-12-10"}

    missing = _post(api, offer_id, [adult])
    assert missing.status_code == 400
    assert "passengers[0].document_type" in missing.json()["errors"]

    expired = _post(api, offer_id, [{**adult, "document": {**PASSPORT, "expires_on": "2020-01-01"}}])
    assert "passengers[0].document_expires_on" in expired.json()["errors"]
    assert Booking.objects.count() == 0

    ok = _post(api, offer_id, [{**adult, "document": PASSPORT}])
    assert ok.status_code == 201
    stored = Booking.objects.get().passengers.get()
    assert (stored.document_number, stored.nationality) == ("P1234567", "GB")


def test_date_of_birth_must_fit_the_passenger_type_on_the_travel_date(api):
    fare_class, offer_id = _offer(international=False, adults=1, children=1)
    travel = fare_class.flight.departure_date
    too_old = (travel - timedelta(days=365 * 13)).isoformat()
    response = _post(
        api,
        offer_id,
        [
            {"type": "adult", "given_name": "Ada", "family_name": "Lovelace"},
            {"type": "child", "given_name": "Byron", "family_name": "Lovelace", "date_of_birth": too_old},
        ],
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["passengers[1].date_of_birth"]


def test_infant_must_still_be_under_two_on_the_last_flight(api):
    fare_class, offer_id = _offer(international=False, adults=1, infants=1)
    travel = fare_class.flight.departure_date
    turns_two_before = date(travel.year - 2, travel.month, travel.day) - timedelta(days=1)
    response = _post(
        api,
        offer_id,
        [
            {"type": "adult", "given_name": "Ada", "family_name": "Lovelace"},
            {"type": "infant", "given_name": "Ann", "family_name": "Lovelace", "date_of_birth": str(turns_two_before)},
        ],
    )
    assert "passengers[1].date_of_birth" in response.json()["errors"]


def test_names_must_be_in_latin_letters(api):
    _, offer_id = _offer(international=False)
    response = _post(api, offer_id, [{"type": "adult", "given_name": "Ада", "family_name": "Лавлейс"}])
    assert set(response.json()["errors"]) == {"passengers[0].given_name", "passengers[0].family_name"}
    assert Booking.objects.count() == 0
