"""Every API error is application/problem+json with a stable `code` (DESIGN.md §4)."""

from __future__ import annotations

import json

import pytest
from django.test import RequestFactory
from rest_framework import exceptions
from rest_framework.test import APIRequestFactory

from apps.core import views as core_views
from apps.core.api.errors import problem_exception_handler
from tests.factories import AirportFactory

PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


def _assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith(code)
    return body


@pytest.mark.django_db
def test_validation_error_names_the_field(client):
    AirportFactory(iata_code="LHR")
    response = client.get(
        "/api/v1/flights/search/", {"origin": "LHR", "destination": "LHR", "departure_date": "2099-01-01"}
    )
    body = _assert_problem(response, 400, "validation_error")
    assert "destination" in body["errors"]
    assert body["detail"] == "Destination: The destination must differ from the origin."


@pytest.mark.django_db
def test_unknown_airport_is_a_validation_error_on_that_field(client):
    AirportFactory(iata_code="LHR")
    response = client.get(
        "/api/v1/flights/search/", {"origin": "LHR", "destination": "ZZZ", "departure_date": "2099-01-01"}
    )
    body = _assert_problem(response, 400, "validation_error")
    assert body["errors"] == {"destination": ["Unknown airport 'ZZZ'."]}


def test_unknown_api_path_is_a_problem_404(client):
    _assert_problem(client.get("/api/v1/no-such-thing/"), 404, "not_found")


@pytest.mark.django_db
def test_anonymous_caller_gets_401_with_a_challenge(client):
    response = client.get("/api/v1/bookings/")
    _assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_wrong_method_is_405(client):
    response = client.delete("/api/v1/flights/search/")
    _assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_throttled_request_gets_429_with_retry_after():
    request = APIRequestFactory().get("/api/v1/flights/search/")
    response = problem_exception_handler(exceptions.Throttled(wait=42), {"request": request})
    assert response.status_code == 429
    assert response.data["code"] == "throttled"
    assert response["Retry-After"] == "42"


def test_unexpected_error_is_a_logged_problem_500(caplog):
    request = APIRequestFactory().get("/api/v1/flights/search/")
    response = problem_exception_handler(ZeroDivisionError("boom"), {"request": request})
    assert response.status_code == 500
    assert response.data["code"] == "server_error"
    assert "boom" not in response.data["detail"]  # internals are logged, not shown
    assert "Unhandled API error" in caplog.text


def test_django_level_500_on_an_api_path_is_problem_json():
    request = RequestFactory().get("/api/v1/bookings/")
    _assert_problem(core_views.server_error(request), 500, "server_error")


def test_every_response_carries_a_request_id_and_echoes_a_given_one(client):
    assert len(client.get("/healthz")["X-Request-ID"]) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"})["X-Request-ID"] == "abc-123"
    # Anything that is not a sane token is replaced, never written to the logs as is.
    assert client.get("/healthz", headers={"X-Request-ID": "bad id\nInjected"})["X-Request-ID"] != "bad id\nInjected"


@pytest.fixture
def customer_api():
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    client = APIClient()
    client.force_authenticate(UserFactory())
    return client


@pytest.mark.django_db
def test_nested_field_errors_are_one_flat_object_keyed_by_dotted_path(customer_api):
    response = customer_api.post(
        "/api/v1/bookings/",
        {
            "offer_id": "x",
            "passengers": [
                {"type": "adult", "given_name": "Ada", "family_name": "Lovelace"},
                {"type": "adult", "given_name": "Charles"},
            ],
            "contact": {"email": "not-an-email"},
        },
        format="json",
    )
    body = _assert_problem(response, 400, "validation_error")
    assert body["errors"] == {
        "passengers[1].family_name": ["This field is required."],
        "contact.email": ["Enter a valid email address."],
    }
    assert body["detail"] == "Passenger 2, family name: This field is required."


@pytest.mark.django_db
def test_an_empty_passenger_list_reads_as_a_plain_sentence(customer_api):
    response = customer_api.post(
        "/api/v1/bookings/", {"offer_id": "x", "passengers": [], "contact": {"email": "a@example.com"}}, format="json"
    )
    body = _assert_problem(response, 400, "validation_error")
    assert body["errors"] == {"passengers": ["Give at least one passenger."]}
    assert body["detail"] == "Passengers: Give at least one passenger."


@pytest.mark.django_db
def test_service_errors_use_the_same_paths_as_serializer_errors(customer_api):
    from apps.inventory.offers import PassengerMix, offer_build
    from tests.factories import FareClassFactory

    offer = offer_build(slices=[[FareClassFactory()]], mix=PassengerMix(adults=1), cabin="economy")
    response = customer_api.post(
        "/api/v1/bookings/",
        {
            "offer_id": offer.id,
            "passengers": [{"type": "adult", "given_name": "Ada", "family_name": "<b>Lovelace</b>"}],
            "contact": {"email": "a@example.com"},
        },
        format="json",
    )
    body = _assert_problem(response, 400, "validation_error")
    assert list(body["errors"]) == ["passengers[0].family_name"]


def test_a_whole_request_error_is_keyed_non_field_errors():
    request = APIRequestFactory().post("/api/v1/bookings/")
    response = problem_exception_handler(exceptions.ValidationError(["Not a booking."]), {"request": request})
    assert response.data["errors"] == {"non_field_errors": ["Not a booking."]}
    assert response.data["detail"] == "Not a booking."


def test_list_field_errors_keyed_by_position_join_the_same_path_style():
    request = APIRequestFactory().post("/api/v1/bookings/")
    error = exceptions.ValidationError({"passengers": {0: {"document": {"nationality": ["Unknown country."]}}}})
    response = problem_exception_handler(error, {"request": request})
    assert response.data["errors"] == {"passengers[0].document.nationality": ["Unknown country."]}
    assert response.data["detail"] == "Passenger 1, document, nationality: Unknown country."
