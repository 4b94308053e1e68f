"""Answers with personal data are never stored by a browser cache, proxy or CDN."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from apps.bookings import services
from apps.inventory.offers import PassengerMix, offer_build
from tests.factories import FareClassFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # UserFactory's


def _no_store(response) -> None:
    assert "no-store" in response.get("Cache-Control", ""), (response.status_code, response.get("Cache-Control"))


@pytest.fixture
def customer():
    return UserFactory(email="ada@example.com")


@pytest.fixture
def booking(customer):
    offer = offer_build(slices=[[FareClassFactory()]], mix=PassengerMix(adults=1), cabin="economy")
    return services.booking_create(
        offer_id=offer.id,
        passengers=[services.PassengerInput(type="adult", given_name="Ada", family_name="Lovelace")],
        contact=services.ContactInput(email="ada@example.com"),
        user=customer,
    )


@pytest.fixture
def api(customer):
    client = APIClient()
    client.force_authenticate(customer)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/bookings/",
        "/api/v1/bookings/{locator}/",
        "/api/v1/bookings/{locator}/cancellation/",
        "/api/v1/me/",
        "/api/v1/me/export/",
    ],
)
def test_personal_api_reads_are_not_cached(api, booking, path):
    response = api.get(path.format(locator=booking.locator))
    assert response.status_code == 200
    _no_store(response)


def test_a_refusal_on_a_personal_endpoint_is_not_cached_either(api):
    response = api.get("/api/v1/bookings/NOSUCH/")
    assert response.status_code == 404
    _no_store(response)


def test_a_new_booking_and_its_seats_answer_are_not_cached(api, booking):
    offer = offer_build(slices=[[FareClassFactory()]], mix=PassengerMix(adults=1), cabin="economy")
    created = api.post(
        "/api/v1/bookings/",
        {
            "offer_id": offer.id,
            "passengers": [{"type": "adult", "given_name": "Ada", "family_name": "Lovelace"}],
            "contact": {"email": "ada@example.com"},
        },
        format="json",
    )
    assert created.status_code == 201
    _no_store(created)
    _no_store(api.put(f"/api/v1/bookings/{booking.locator}/seats/", {"seats": []}, format="json"))


def test_an_agents_lookup_is_not_cached(booking):
    agent = UserFactory(email="agent@example.com", is_staff=True)
    agent.groups.add(Group.objects.get_or_create(name="agent")[0])
    client = APIClient()
    client.force_authenticate(agent)
    response = client.post(
        "/api/v1/bookings/lookup/", {"locator": booking.locator, "family_name": "Lovelace"}, format="json"
    )
    assert response.status_code == 200
    _no_store(response)


def test_tokens_are_not_cached(customer):
    response = APIClient().post("/api/v1/auth/token/", {"email": customer.email, "password": PASSWORD})
    assert response.status_code == 200
    _no_store(response)


def test_booking_pages_are_not_cached(client, customer, booking):
    client.force_login(customer)
    flight_id = booking.segments.get().flight_id
    for path in (
        "/bookings/",
        f"/bookings/{booking.locator}/",
        f"/bookings/{booking.locator}/seats/{flight_id}/",
        f"/payments/{booking.locator}/",
        "/accounts/privacy/",
        "/accounts/privacy/export/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        _no_store(response)


def test_the_manage_booking_page_is_not_cached(client, booking):
    _no_store(client.get("/bookings/manage/"))
