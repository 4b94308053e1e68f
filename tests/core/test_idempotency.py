"""Idempotency-Key (DESIGN.md §5): a replay gets the first answer and changes nothing."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta

import pytest
from django.db import connections
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from apps.bookings.models import Booking
from apps.core import clock
from apps.core.idempotency import idempotency_keys_prune
from apps.core.models import IdempotencyKey
from apps.inventory.offers import PassengerMix, offer_build
from apps.payments.models import Payment
from tests.factories import FareClassFactory, UserFactory


def _booking_body(fare_class, family_name="Lovelace") -> dict:
    offer = offer_build(slices=[[fare_class]], mix=PassengerMix(adults=1), cabin="economy")
    return {
        "offer_id": offer.id,
        "passengers": [{"type": "adult", "given_name": "Ada", "family_name": family_name}],
        "contact": {"email": "ada@example.com"},
    }


@pytest.fixture
def customer_client():
    client = APIClient()
    client.force_authenticate(UserFactory())
    return client


@pytest.mark.django_db
class TestReplays:
    def test_replayed_booking_request_returns_the_first_booking_and_creates_no_other(self, customer_client):
        body = _booking_body(FareClassFactory())
        first = customer_client.post("/api/v1/bookings/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        again = customer_client.post("/api/v1/bookings/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

        assert (first.status_code, again.status_code) == (201, 201)
        assert again.json()["locator"] == first.json()["locator"]
        assert again["Idempotent-Replayed"] == "true"
        assert Booking.objects.count() == 1

    def test_same_key_with_another_body_is_refused_and_changes_nothing(self, customer_client):
        fare_class = FareClassFactory()
        customer_client.post("/api/v1/bookings/", _booking_body(fare_class), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
        other = customer_client.post(
            "/api/v1/bookings/", _booking_body(fare_class, "Byron"), format="json", HTTP_IDEMPOTENCY_KEY="k-2"
        )
        assert other.status_code == 422
        assert other.json()["code"] == "idempotency_mismatch"
        assert Booking.objects.count() == 1

    def test_key_of_a_request_still_running_answers_409(self, customer_client):
        body = _booking_body(FareClassFactory())
        customer_client.post("/api/v1/bookings/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
        IdempotencyKey.objects.filter(key="k-3").update(
            state=IdempotencyKey.State.IN_PROGRESS, locked_until=clock.now() + timedelta(seconds=30)
        )
        response = customer_client.post("/api/v1/bookings/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
        assert response.status_code == 409
        assert response.json()["code"] == "idempotency_in_progress"

    def test_a_claim_abandoned_by_a_crash_is_taken_over(self, customer_client):
        body = _booking_body(FareClassFactory())
        user_id = customer_client.handler._force_user.pk
        IdempotencyKey.objects.create(
            client=f"user:{user_id}",
            key="k-4",
            method="POST",
            path="/api/v1/bookings/",
            body_hash=hashlib.sha256(JSONRenderer().render(body)).hexdigest(),  # the body as the client sends it
            locked_until=clock.now() - timedelta(seconds=1),
        )
        response = customer_client.post("/api/v1/bookings/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
        assert response.status_code == 201
        assert Booking.objects.count() == 1

    def test_keys_are_per_client(self, customer_client):
        fare_class = FareClassFactory()
        customer_client.post("/api/v1/bookings/", _booking_body(fare_class), format="json", HTTP_IDEMPOTENCY_KEY="k-5")
        someone_else = APIClient()
        someone_else.force_authenticate(UserFactory())
        response = someone_else.post(
            "/api/v1/bookings/", _booking_body(fare_class), format="json", HTTP_IDEMPOTENCY_KEY="k-5"
        )
        assert response.status_code == 201
        assert Booking.objects.count() == 2

    def test_declined_payment_replayed_is_the_same_decline_without_a_second_charge(self, customer_client):
        locator = customer_client.post("/api/v1/bookings/", _booking_body(FareClassFactory()), format="json").json()[
            "locator"
        ]
        url = f"/api/v1/bookings/{locator}/payments/"
        pay = {"payment_method": "pm_card_chargeDeclined"}
        first = customer_client.post(url, pay, format="json", HTTP_IDEMPOTENCY_KEY="p-1")
        again = customer_client.post(url, pay, format="json", HTTP_IDEMPOTENCY_KEY="p-1")
        assert (first.status_code, again.status_code) == (402, 402)
        assert again.json() == first.json()
        assert again["Content-Type"] == "application/problem+json"
        assert Payment.objects.count() == 1

    def test_overlong_key_is_a_validation_error(self, customer_client):
        response = customer_client.post(
            "/api/v1/bookings/", _booking_body(FareClassFactory()), format="json", HTTP_IDEMPOTENCY_KEY="x" * 256
        )
        assert response.status_code == 400
        assert "Idempotency-Key" in response.json()["errors"]
        assert Booking.objects.count() == 0

    def test_key_outside_printable_ascii_is_a_validation_error(self, customer_client):
        response = customer_client.post(
            "/api/v1/bookings/", _booking_body(FareClassFactory()), format="json", HTTP_IDEMPOTENCY_KEY="clé-1"
        )
        assert response.status_code == 400
        assert response.json()["code"] == "validation_error"
        assert "Idempotency-Key" in response.json()["errors"]
        assert Booking.objects.count() == 0

    def test_keys_older_than_a_day_are_pruned(self, customer_client):
        customer_client.post(
            "/api/v1/bookings/", _booking_body(FareClassFactory()), format="json", HTTP_IDEMPOTENCY_KEY="old"
        )
        IdempotencyKey.objects.update(created_at=clock.now() - timedelta(hours=25))
        assert idempotency_keys_prune() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_replays_of_one_key_create_exactly_one_booking():
    user = UserFactory()
    body = _booking_body(FareClassFactory(capacity=50))
    barrier = threading.Barrier(8)
    answers: list[tuple[int, str | None]] = []

    def client_sends() -> None:
        client = APIClient()
        client.force_authenticate(user)
        barrier.wait()
        try:
            response = client.post("/api/v1/bookings/", body, format="json", HTTP_IDEMPOTENCY_KEY="race-1")
            answers.append((response.status_code, response.json().get("locator") or response.json().get("code")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client_sends) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert Booking.objects.count() == 1
    locator = Booking.objects.get().locator
    assert len(answers) == 8
    # Each answer is the booking (first or replayed) or "still in progress", never a second booking.
    assert all(answer in {(201, locator), (409, "idempotency_in_progress")} for answer in answers), answers
    assert (201, locator) in answers
