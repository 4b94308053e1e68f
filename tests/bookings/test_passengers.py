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


def test_a_name_with_accents_is_kept_as_typed_and_ticketed_in_its_icao_form(api):
    _, offer_id = _offer(international=False)
    response = _post(api, offer_id, [{"type": "adult", "given_name": "José", "family_name": "Núñez-García"}])

    assert response.status_code == 201, response.content
    shown = response.json()["passengers"][0]
    assert (shown["given_name"], shown["family_name"]) == ("José", "Núñez-García")
    assert (shown["given_name_icao"], shown["family_name_icao"]) == ("JOSE", "NUNEZ GARCIA")
    stored = Booking.objects.get().passengers.get()
    assert (stored.family_name, stored.family_name_icao) == ("Núñez-García", "NUNEZ GARCIA")
    assert str(stored) == "NUNEZ GARCIA/JOSE"


def test_the_confirmation_email_names_passengers_as_on_the_ticket(api, mailoutbox, django_capture_on_commit_callbacks):
    _, offer_id = _offer(international=False)
    booking = _post(api, offer_id, [{"type": "adult", "given_name": "José", "family_name": "Núñez"}]).json()
    with django_capture_on_commit_callbacks(execute=True):
        paid = api.post(f"/api/v1/bookings/{booking['locator']}/payments/", {"payment_method": "pm_card_visa"})
    assert paid.status_code == 201, paid.content
    assert any("NUNEZ/JOSE" in message.body for message in mailoutbox)


def test_a_date_of_birth_before_1900_is_refused(api):
    _, offer_id = _offer(international=False)
    response = _post(
        api,
        offer_id,
        [{"type": "adult", "given_name": "Ada", "family_name": "Lovelace", "date_of_birth": "1899-12-31"}],
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert list(response.json()["errors"]) == ["passengers[0].date_of_birth"]
    assert Booking.objects.count() == 0


@pytest.mark.parametrize("field", ["issuing_country", "nationality"])
def test_a_country_code_outside_iso_3166_is_refused(api, field):
    _, offer_id = _offer(international=True)
    adult = {"type": "adult", "given_name": "Ada", "family_name": "Lovelace", "date_of_birth": "1990-12-10"}
    response = _post(api, offer_id, [{**adult, "document": {**PASSPORT, field: "ZZ"}}])
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"] == {
        f"passengers[0].document.{field}": ["An ISO 3166-1 alpha-2 country code, e.g. GB."]
    }
    assert Booking.objects.count() == 0


def _post_contact(api, offer_id, contact):
    return api.post(
        "/api/v1/bookings/",
        {
            "offer_id": offer_id,
            "passengers": [{"type": "adult", "given_name": "Ada", "family_name": "Lovelace"}],
            "contact": contact,
        },
        format="json",
    )


@pytest.mark.parametrize("phone", ["<img src=x onerror=alert(1)>", "<b>+44 20 7946 0958</b>", "+1 555 0100", "call me"])
def test_a_phone_that_is_not_a_phone_number_is_refused(api, phone):
    _, offer_id = _offer(international=False)
    response = _post_contact(api, offer_id, {"email": "ada@example.com", "phone": phone})
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert list(response.json()["errors"]) == ["contact.phone"]
    assert Booking.objects.count() == 0


@pytest.mark.parametrize(
    ("typed", "stored"), [("+44 20 7946 0958", "+442079460958"), ("0034 612-345-678", "+34612345678")]
)
def test_a_phone_number_is_stored_and_shown_in_e164(api, typed, stored):
    _, offer_id = _offer(international=False)
    response = _post_contact(api, offer_id, {"email": "ada@example.com", "phone": typed})
    assert response.status_code == 201, response.content
    assert response.json()["contact"]["phone"] == stored
    assert Booking.objects.get().contact_phone == stored


@pytest.mark.parametrize("email", ['"<script>alert(1)</script>"@example.com', '"ada lovelace"@example.com'])
def test_an_email_with_a_quoted_local_part_is_refused(api, email):
    _, offer_id = _offer(international=False)
    response = _post_contact(api, offer_id, {"email": email})
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert list(response.json()["errors"]) == ["contact.email"]
    assert Booking.objects.count() == 0
