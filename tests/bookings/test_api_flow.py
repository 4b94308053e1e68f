"""The walking skeleton through the API: search, hold, pay, confirmed, emailed."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from apps.bookings.models import Booking, BookingStatus
from apps.inventory.models import FareClass
from tests.conftest import wait_for
from tests.factories import FareClassFactory, UserFactory

PASSWORD = "correct horse battery staple"


def _search(client, fare_class: FareClass, **extra) -> dict:
    flight = fare_class.flight
    params = {
        "origin": flight.origin.iata_code,
        "destination": flight.destination.iata_code,
        "departure_date": flight.departure_date.isoformat(),
        **extra,
    }
    response = client.get("/api/v1/flights/search/", params)
    assert response.status_code == 200, response.content
    return response.json()


def _passengers(count: int) -> list[dict]:
    names = [("Ada", "Lovelace"), ("Charles", "Babbage"), ("Mary", "Somerville")]
    return [{"type": "adult", "given_name": g, "family_name": f} for g, f in names[:count]]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_customer_searches_books_and_pays_through_the_api_and_gets_an_email(api_client, celery_worker):
    user = UserFactory(email="ada@example.com")
    fare_class = FareClassFactory(price="300.00")

    token = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD})
    assert token.status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access']}")

    results = _search(api_client, fare_class, adults=2)
    assert results["count"] == 1
    offer = results["results"][0]
    assert offer["total_amount"] == "600.00"
    assert offer["slices"][0]["segments"][0]["flight_number"] == fare_class.flight.flight_number

    created = api_client.post(
        "/api/v1/bookings/",
        {"offer_id": offer["id"], "passengers": _passengers(2), "contact": {"email": "ada@example.com"}},
    )
    assert created.status_code == 201, created.content
    booking = created.json()
    assert booking["status"] == "held"
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{6}", booking["locator"])
    assert booking["total_amount"] == "600.00"
    assert booking["hold_expires_at"] is not None

    paid = api_client.post(f"/api/v1/bookings/{booking['locator']}/payments/", {"payment_method": "pm_card_visa"})
    assert paid.status_code == 201, paid.content
    assert paid.json()["status"] == "succeeded"
    assert paid.json()["booking_status"] == "confirmed"

    detail = api_client.get(f"/api/v1/bookings/{booking['locator']}/").json()
    assert detail["status"] == "confirmed"
    tickets = [p["ticket_number"] for p in detail["passengers"]]
    assert all(re.fullmatch(r"125\d{10}", t) for t in tickets)
    assert len(set(tickets)) == 2
    assert [e["kind"] for e in detail["events"]] == ["created", "confirmed"]
    assert detail["payments"][0]["status"] == "succeeded"

    # The confirmation email goes out through the outbox and the real worker.
    def confirmations():
        return [m for m in mail.outbox if ".booking_confirmed." in m.extra_headers["Message-ID"]]

    wait_for(confirmations)
    [confirmation] = confirmations()
    assert booking["locator"] in confirmation.subject
    assert confirmation.to == ["ada@example.com"]
    assert tickets[0] in confirmation.body

    fare_class.refresh_from_db()
    assert fare_class.sold == 2


@pytest.mark.django_db
def test_declined_card_leaves_the_booking_held(api_client, django_capture_on_commit_callbacks):
    user = UserFactory()
    api_client.force_authenticate(user)
    offer = _search(api_client, FareClassFactory())["results"][0]
    locator = api_client.post(
        "/api/v1/bookings/",
        {"offer_id": offer["id"], "passengers": _passengers(1), "contact": {"email": user.email}},
    ).json()["locator"]

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            f"/api/v1/bookings/{locator}/payments/", {"payment_method": "pm_card_chargeDeclined"}
        )

    assert response.status_code == 402
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "payment_declined"
    assert Booking.objects.get(locator=locator).status == BookingStatus.HELD
    # The customer is told the card was declined; no confirmation.
    assert [m.extra_headers["Message-ID"].split(".")[1] for m in mail.outbox] == ["payment_failed"]


@pytest.mark.django_db
def test_booking_a_changed_price_answers_price_changed_and_holds_nothing(api_client):
    user = UserFactory()
    api_client.force_authenticate(user)
    fare_class = FareClassFactory(price="100.00")
    offer = _search(api_client, fare_class)["results"][0]
    FareClass.objects.filter(pk=fare_class.pk).update(price="120.00")

    response = api_client.post(
        "/api/v1/bookings/", {"offer_id": offer["id"], "passengers": _passengers(1), "contact": {"email": user.email}}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "price_changed"
    assert Booking.objects.count() == 0
    fare_class.refresh_from_db()
    assert fare_class.sold == 0


@pytest.mark.django_db
def test_booking_more_seats_than_are_left_answers_sold_out(api_client):
    user = UserFactory()
    api_client.force_authenticate(user)
    fare_class = FareClassFactory(capacity=3)
    offer = _search(api_client, fare_class, adults=2)["results"][0]
    FareClass.objects.filter(pk=fare_class.pk).update(sold=2)  # someone else bought two meanwhile

    response = api_client.post(
        "/api/v1/bookings/", {"offer_id": offer["id"], "passengers": _passengers(2), "contact": {"email": user.email}}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "sold_out"
    assert Booking.objects.count() == 0


@pytest.mark.django_db
def test_tampered_offer_id_is_refused(api_client):
    user = UserFactory()
    api_client.force_authenticate(user)
    offer = _search(api_client, FareClassFactory())["results"][0]

    response = api_client.post(
        "/api/v1/bookings/",
        {"offer_id": offer["id"][:-2] + "xx", "passengers": _passengers(1), "contact": {"email": user.email}},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "offer_invalid"


@pytest.mark.django_db
def test_another_customers_booking_is_not_found(api_client):
    owner, stranger = UserFactory(), UserFactory()
    api_client.force_authenticate(owner)
    offer = _search(api_client, FareClassFactory())["results"][0]
    locator = api_client.post(
        "/api/v1/bookings/", {"offer_id": offer["id"], "passengers": _passengers(1), "contact": {"email": owner.email}}
    ).json()["locator"]

    api_client.force_authenticate(stranger)
    assert api_client.get(f"/api/v1/bookings/{locator}/").status_code == 404
    paying = api_client.post(f"/api/v1/bookings/{locator}/payments/", {"payment_method": "pm_card_visa"})
    assert paying.status_code == 404
    assert paying.json()["code"] == "not_found"
    assert Booking.objects.get(locator=locator).status == BookingStatus.HELD


@pytest.mark.django_db
def test_an_offer_older_than_its_lifetime_answers_offer_expired(api_client, settings):
    user = UserFactory()
    api_client.force_authenticate(user)
    offer = _search(api_client, FareClassFactory())["results"][0]
    settings.OFFER_TTL_SECONDS = -1  # as if the customer came back after half an hour

    response = api_client.post(
        "/api/v1/bookings/", {"offer_id": offer["id"], "passengers": _passengers(1), "contact": {"email": user.email}}
    )

    assert (response.status_code, response.json()["code"]) == (410, "offer_expired")
    assert Booking.objects.count() == 0
