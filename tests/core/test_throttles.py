"""Throttles on Redis: each client has its own budget per endpoint family; going over it
answers 429 problem+json `throttled` with Retry-After, and other clients are unaffected."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    """Production-like rates, small enough to reach in a test."""

    def set_rates(**rates: str) -> None:
        settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, **rates}

    return set_rates


def _assert_throttled(response) -> None:
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_anonymous_search_has_its_own_burst_per_address(rates):
    rates(search_anon_burst="3/minute")
    client = APIClient()
    answers = [client.get("/api/v1/flights/search/").status_code for _ in range(3)]
    assert answers == [400, 400, 400]  # counted even when the query is wrong

    _assert_throttled(client.get("/api/v1/flights/search/"))
    # Another client address has its own budget.
    assert APIClient(REMOTE_ADDR="203.0.113.9").get("/api/v1/flights/search/").status_code == 400
    # The counter lives in Redis (the cache), where every web process sees it.
    assert len(cache.get("throttle:search_anon_burst:ip:127.0.0.1")) == 3


def test_a_signed_in_customer_is_not_held_to_the_anonymous_search_rate(rates):
    rates(search_anon_burst="1/minute")
    client = APIClient()
    client.force_authenticate(UserFactory())
    assert [client.get("/api/v1/flights/search/").status_code for _ in range(3)] == [400, 400, 400]


def test_booking_creation_is_throttled_per_user(rates):
    rates(booking_burst="2/minute")
    ada, bob = APIClient(), APIClient()
    ada.force_authenticate(UserFactory())
    bob.force_authenticate(UserFactory())
    assert [ada.post("/api/v1/bookings/", {}).status_code for _ in range(2)] == [400, 400]
    _assert_throttled(ada.post("/api/v1/bookings/", {}))
    assert bob.post("/api/v1/bookings/", {}).status_code == 400
    # Reading is another budget.
    assert ada.get("/api/v1/bookings/").status_code == 200


def test_payments_have_their_own_sustained_rate(rates):
    rates(payment_sustained="1/hour")
    client = APIClient()
    client.force_authenticate(UserFactory())
    assert client.post("/api/v1/bookings/NOSUCH/payments/", {"payment_method": "pm_card_visa"}).status_code == 404
    response = client.post("/api/v1/bookings/NOSUCH/payments/", {"payment_method": "pm_card_visa"})
    _assert_throttled(response)
    assert int(response["Retry-After"]) > 60  # an hourly budget waits longer than a minute


def test_signing_in_for_api_tokens_is_throttled_per_address(rates):
    rates(login_burst="3/minute")
    client = APIClient()
    for _ in range(3):
        assert client.post("/api/v1/auth/token/", {"email": "x@example.com", "password": "nope"}).status_code == 401
    _assert_throttled(client.post("/api/v1/auth/token/", {"email": "x@example.com", "password": "nope"}))


def test_the_whole_api_has_a_burst_per_client(rates):
    rates(anon_burst="2/minute")
    client = APIClient()
    assert [client.get("/api/v1/airports/?q=lon").status_code for _ in range(2)] == [200, 200]
    _assert_throttled(client.get("/api/v1/airports/?q=lon"))


def test_a_client_cannot_dodge_its_budget_with_a_forged_forwarded_for_header(rates):
    rates(login_burst="2/minute")
    client = APIClient()
    answers = [
        client.post(
            "/api/v1/auth/token/",
            {"email": "x@example.com", "password": "nope"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(4)
    ]
    assert answers == [401, 401, 429, 429]
