"""Travel documents and dates of birth are shown in full to the booking's owner only:
agents, admins and partner API keys see them masked, in the API and in the admin."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.sessions.backends.db import SessionStore
from rest_framework.test import APIClient, APIRequestFactory

from apps.accounts.models import Partner
from apps.bookings.api.serializers import BookingSerializer, documents_visible_to
from apps.bookings.selectors import booking_get_for_system
from apps.core.models import IdempotencyKey
from apps.inventory.offers import PassengerMix, offer_build
from tests.accounts.helpers import otp_force_login
from tests.factories import AirportFactory, FareClassFactory, FlightFactory, UserFactory
from tests.privacy.conftest import PASSPORT_NUMBER, trip_abroad

pytestmark = pytest.mark.django_db

MASKED_DOCUMENT = {
    "type": "passport",
    "number": "••••••82",
    "issuing_country": "US",
    "nationality": "US",
    "expires_on": "2034",
}
FULL_DOCUMENT = MASKED_DOCUMENT | {"number": PASSPORT_NUMBER, "expires_on": "2034-09-30"}


def _passenger_as_seen_by(user, booking) -> dict:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(f"/api/v1/bookings/{booking.locator}/")
    assert response.status_code == 200, response.content
    return response.json()["passengers"][0]


def _serialized_for(principal, booking, *, session_locators=()) -> dict:
    request = APIRequestFactory().get("/")
    request.user = principal
    request.session = SessionStore()
    request.session["guest_bookings"] = list(session_locators)
    data = BookingSerializer(booking_get_for_system(locator=booking.locator), context={"request": request}).data
    return data["passengers"][0]


def test_the_owner_sees_their_documents_and_birth_date_in_full(customer):
    booking = trip_abroad(customer)

    seen = _passenger_as_seen_by(customer, booking)

    assert seen["date_of_birth"] == "1987-06-23"
    assert seen["document"] == FULL_DOCUMENT


def test_an_admin_sees_them_masked(customer):
    booking = trip_abroad(customer)
    admin = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)

    seen = _passenger_as_seen_by(admin, booking)

    assert seen["date_of_birth"] == "1987"
    assert seen["document"] == MASKED_DOCUMENT


def test_another_customer_does_not_see_the_booking_at_all(customer):
    booking = trip_abroad(customer)
    client = APIClient()
    client.force_authenticate(UserFactory())

    assert client.get(f"/api/v1/bookings/{booking.locator}/").status_code == 404


def test_an_agent_of_a_travel_agency_sees_them_masked(customer):
    booking = trip_abroad(customer)
    agent = UserFactory(is_staff=True, partner=Partner.objects.create(name="Faraway Travel", contact_email="a@b.c"))

    seen = _serialized_for(agent, booking)

    assert (seen["date_of_birth"], seen["document"]) == ("1987", MASKED_DOCUMENT)


def test_a_partner_api_key_sees_them_masked(customer):
    booking = trip_abroad(customer)
    principal = SimpleNamespace(api_key=object(), is_authenticated=True, pk=None)

    seen = _serialized_for(principal, booking)

    assert seen["document"]["number"] == "••••••82"


def test_the_guest_session_that_made_a_booking_sees_it_in_full_and_staff_with_it_do_not():
    booking = trip_abroad(None)
    anonymous = SimpleNamespace(is_authenticated=False, pk=None)
    staff = UserFactory(is_staff=True)

    assert _serialized_for(anonymous, booking, session_locators=[booking.locator])["document"] == FULL_DOCUMENT
    assert _serialized_for(anonymous, booking)["document"] == MASKED_DOCUMENT
    assert _serialized_for(staff, booking, session_locators=[booking.locator])["document"] == MASKED_DOCUMENT


def test_without_a_request_everything_is_masked(customer):
    booking = trip_abroad(customer)

    assert not documents_visible_to(booking=booking, request=None)
    assert (
        BookingSerializer(booking_get_for_system(locator=booking.locator)).data["passengers"][0]["date_of_birth"]
        == "1987"
    )


def test_the_answer_kept_for_idempotent_replays_holds_no_document_number(customer, customer_api):
    new_york = AirportFactory(iata_code="JFK", country="US", time_zone="America/New_York")
    fare_class = FareClassFactory(flight=FlightFactory(destination=new_york))
    offer = offer_build(slices=[[fare_class]], mix=PassengerMix(adults=1), cabin="economy")
    document = {"type": "passport", "number": PASSPORT_NUMBER, "issuing_country": "US", "nationality": "US",
                "expires_on": "2034-09-30"}  # fmt: skip
    body = {
        "offer_id": offer.id,
        "passengers": [{"type": "adult", "given_name": "Grace", "family_name": "Hopper",
                        "date_of_birth": "1987-06-23", "document": document}],
        "contact": {"email": "grace@example.com"},
    }  # fmt: skip

    response = customer_api.post("/api/v1/bookings/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 201, response.content
    stored = repr(IdempotencyKey.objects.get(key="k-1").response_body)
    assert PASSPORT_NUMBER not in stored
    assert "1987-06-23" not in stored


def test_the_admin_shows_documents_and_birth_dates_masked(client, customer):
    booking = trip_abroad(customer)
    otp_force_login(client, UserFactory(email="root@example.com", is_staff=True, is_superuser=True))

    page = client.get(f"/admin/bookings/booking/{booking.pk}/change/").content.decode()

    assert "••••••82" in page
    assert "Passport" in page
    assert PASSPORT_NUMBER not in page
    assert "1987-06-23" not in page
    assert "23 June 1987" not in page
    assert "June 23, 1987" not in page
    assert "2034-09-30" not in page
    assert "30 September 2034" not in page


def test_the_agent_who_booked_for_their_agency_sees_the_customers_documents_masked():
    partner = Partner.objects.create(name="Faraway Travel", contact_email="ops@faraway.example")
    agent = UserFactory(partner=partner)
    booking = trip_abroad(agent, email="customer@example.com")
    type(booking).objects.filter(pk=booking.pk).update(partner=partner)

    assert _serialized_for(agent, booking)["document"] == MASKED_DOCUMENT
