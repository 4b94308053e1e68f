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
