"""Input no view could use is refused with a clear problem+json answer, never a 500, and
changes nothing: deep JSON, NUL characters, bodies over the limit, over-long URIs."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from apps.bookings import services
from apps.bookings.models import Booking, BookingAccessGrant
from apps.core.models import IdempotencyKey
from apps.inventory.models import Hold
from apps.inventory.offers import PassengerMix, offer_build
from tests.factories import AirportFactory, FareClassFactory, UserFactory

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = json.loads(response.content)
    assert (body["status"], body["code"]) == (status, code)
    return body


def _hold(actor=None, family_name: str = "Lovelace") -> Booking:
    offer = offer_build(slices=[[FareClassFactory()]], mix=PassengerMix(adults=1), cabin="economy")
    return services.booking_create(
        offer_id=offer.id,
        passengers=[services.PassengerInput(type="adult", given_name="Ada", family_name=family_name)],
        contact=services.ContactInput(email="ada@example.com"),
        user=actor,
    )


@pytest.fixture
def customer_api():
    client = APIClient()
    client.force_authenticate(UserFactory())
    return client


def _booking_body(offer_id: str, *, family_name: str = "Lovelace") -> dict:
    return {
        "offer_id": offer_id,
        "passengers": [{"type": "adult", "given_name": "Ada", "family_name": family_name}],
        "contact": {"email": "ada@example.com"},
    }


def _fresh_offer() -> str:
    return offer_build(slices=[[FareClassFactory()]], mix=PassengerMix(adults=1), cabin="economy").id


# --- Deeply nested JSON ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ["[" * 100_000 + "]" * 100_000, '{"a":' * 5_000 + "1" + "}" * 5_000],
    ids=["100000-nested-arrays", "5000-nested-objects"],
)
def test_deeply_nested_json_to_sign_in_is_a_malformed_request_not_a_crash(client, body):
    response = client.post("/api/v1/auth/token/", body, content_type="application/json")
    body = _problem(response, 400, "malformed_request")
    assert "nested" in body["detail"]


def test_nesting_up_to_32_levels_reaches_the_view_and_33_does_not(client):
    within = client.post("/api/v1/auth/token/", "[" * 32 + "]" * 32, content_type="application/json")
    assert _problem(within, 400, "validation_error")  # the view's own answer: not an object
    beyond = client.post("/api/v1/auth/token/", "[" * 33 + "]" * 33, content_type="application/json")
    _problem(beyond, 400, "malformed_request")


def test_deeply_nested_json_inside_a_booking_holds_nothing(customer_api):
    offer_id = _fresh_offer()
    body = _booking_body(offer_id)
    body["contact"]["phone"] = json.loads("[" * 40 + "]" * 40)  # deeper than 32 levels, parses fine

    _problem(customer_api.post("/api/v1/bookings/", body, format="json"), 400, "malformed_request")

    assert not Booking.objects.exists()
    assert not Hold.objects.exists()


# --- NUL characters -----------------------------------------------------------------------------


def test_a_nul_in_a_locator_is_not_found_like_any_unknown_locator(customer_api):
    booking = _hold()
    _problem(customer_api.get("/api/v1/bookings/AB%00CD/"), 404, "not_found")
    _problem(customer_api.get(f"/api/v1/bookings/{booking.locator[:3]}%00/seats/"), 404, "not_found")
    _problem(customer_api.post(f"/api/v1/bookings/{booking.locator}%00/cancellation/"), 404, "not_found")
    booking.refresh_from_db()
    assert booking.status == "held"


def test_a_nul_in_a_booking_page_address_is_the_not_found_page(client):
    response = client.get("/bookings/AB%00CD/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/airports/?q=lon%00don", "q"),
        ("/api/v1/flights/search/?origin=LHR%00&destination=EDI&departure_date=2099-01-01", "origin"),
        ("/api/v1/flights/search/?origin=LHR&destination=EDI&departure_date=2099-01-01&airlines=B%00A", "airlines"),
        ("/api/v1/flights/status/?flight_number=BA%0017&date=2099-01-01", "flight_number"),
    ],
)
def test_a_nul_in_a_query_parameter_is_a_validation_error_on_that_parameter(client, url, field):
    AirportFactory(iata_code="LHR")
    body = _problem(client.get(url), 400, "validation_error")
    assert body["errors"] == {field: ["Must not contain a NUL character."]}


def test_a_nul_in_a_json_string_is_a_validation_error_on_that_field(customer_api):
    offer_id = _fresh_offer()
    response = customer_api.post(
        "/api/v1/bookings/", _booking_body(offer_id, family_name="Love\x00lace"), format="json"
    )

    body = _problem(response, 400, "validation_error")
    assert body["errors"] == {"passengers[0].family_name": ["Must not contain a NUL character."]}
    assert body["detail"] == "Passenger 1, family name: Must not contain a NUL character."
    assert not Booking.objects.exists()


def test_a_nul_in_the_sign_in_email_is_a_validation_error(client):
    body = json.dumps({"email": "ada\u0000@example.com", "password": "x"})
    response = client.post("/api/v1/auth/token/", body, content_type="application/json")
    assert _problem(response, 400, "validation_error")["errors"] == {"email": ["Must not contain a NUL character."]}


def test_a_nul_in_an_agents_lookup_grants_nothing():
    from django.contrib.auth.models import Group

    booking = _hold(UserFactory())
    agent = UserFactory(email="agent@example.com", is_staff=True)
    agent.groups.add(Group.objects.get_or_create(name="agent")[0])
    client = APIClient()
    client.force_authenticate(agent)

    response = client.post(
        "/api/v1/bookings/lookup/", {"locator": booking.locator, "family_name": "Love\x00lace"}, format="json"
    )

    assert _problem(response, 400, "validation_error")["errors"] == {
        "family_name": ["Must not contain a NUL character."]
    }
    assert not BookingAccessGrant.objects.exists()


def test_a_nul_in_a_form_field_of_a_page_is_refused_before_any_lookup(client):
    booking = _hold()
    response = client.post(
        "/bookings/manage/",
        f"locator={booking.locator}&family_name=Love%00lace",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert booking.locator not in client.session.get("guest_bookings", [])


def test_a_nul_in_a_multipart_form_field_of_a_page_is_refused_too(client):
    booking = _hold()
    # The test client posts multipart by default, as `curl -F` does.
    response = client.post("/bookings/manage/", {"locator": booking.locator, "family_name": "Love\x00lace"})
    assert response.status_code == 400
    assert booking.locator not in client.session.get("guest_bookings", [])


def test_an_api_key_with_a_nul_in_its_prefix_is_refused_as_malformed(client):
    response = client.get("/api/v1/bookings/", HTTP_AUTHORIZATION="Api-Key fbk_abc\x00defg_secret")
    _problem(response, 401, "invalid_api_key")


# --- Sizes ---------------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_413_and_holds_nothing(customer_api):
    offer_id = _fresh_offer()
    body = _booking_body(offer_id)
    body["contact"]["phone"] = "1" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = customer_api.post("/api/v1/bookings/", body, format="json", HTTP_IDEMPOTENCY_KEY="big-1")

    _problem(response, 413, "payload_too_large")
    assert not Booking.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_a_body_over_the_limit_to_sign_in_is_413(client):
    response = client.post(
        "/api/v1/auth/token/", "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1), content_type="application/json"
    )
    _problem(response, 413, "payload_too_large")


def test_an_over_long_query_is_414_problem_json(client):
    response = client.get("/api/v1/airports/", {"q": "a" * settings.REQUEST_URI_MAX_LENGTH})
    body = _problem(response, 414, "uri_too_long")
    assert str(settings.REQUEST_URI_MAX_LENGTH) in body["detail"]


def test_a_query_just_within_the_limit_reaches_the_view(client):
    path = "/api/v1/airports/?q="
    response = client.get(path + "a" * (settings.REQUEST_URI_MAX_LENGTH - len(path)))
    # The view's own answer: the search text is too long for it.
    assert list(_problem(response, 400, "validation_error")["errors"]) == ["q"]
