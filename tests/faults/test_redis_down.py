"""Redis dies under a running server: customers still search, sign in, book, pay and read
their bookings; the events of what they did wait in the outbox and are delivered once
Redis is back, through a real SMTP server. /readyz names the cache while it is away."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.bookings.models import Booking, BookingStatus
from apps.core import outbox
from apps.core.models import OutboxEvent
from apps.notifications.models import Notification
from apps.notifications.services import notification_message_id
from tests.conftest import wait_for
from tests.factories import FareClassFactory, UserFactory
from tests.faults.conftest import database_url, production_env
from tests.faults.smtp import received
from tests.faults.truth import assert_database_truth

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def test_with_redis_down_customers_book_and_pay_and_their_emails_follow_when_it_is_back(
    redis_server, serve, settings, smtp_delivery
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # what production checks
    user = UserFactory(email="ada@example.com")
    flight = FareClassFactory(price="300.00").flight
    smtp = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_delivery.port),
    }
    server = serve(production_env(database=database_url(), redis=redis_server.url(0), **smtp))
    search = (
        f"/api/v1/flights/search/?origin={flight.origin.iata_code}&destination={flight.destination.iata_code}"
        f"&departure_date={flight.departure_date.isoformat()}&adults=1"
    )
    assert server.request("GET", search).status == 200  # cached in Redis, which is about to vanish

    redis_server.kill()

    ready = server.request("GET", "/readyz")
    assert ready.status == 503
    assert "cache" in ready.json()["failed"]
    assert "database" not in ready.json()["failed"]

    signed_in = server.request("POST", "/api/v1/auth/token/", body={"email": user.email, "password": PASSWORD})
    assert signed_in.status == 200, signed_in.body
    auth = {"Authorization": f"Bearer {signed_in.json()['access']}"}

    me = server.request("GET", "/api/v1/me/", headers=auth)
    assert me.status == 200, me.body
    assert me.json()["email"] == "ada@example.com"

    found = server.request("GET", search, headers=auth)
    assert found.status == 200, found.body
    offer = found.json()["results"][0]

    created = server.request(
        "POST",
        "/api/v1/bookings/",
        headers=auth,
        body={
            "offer_id": offer["id"],
            "passengers": [{"type": "adult", "given_name": "Ada", "family_name": "Lovelace"}],
            "contact": {"email": "ada@example.com"},
        },
    )
    assert created.status == 201, created.body
    locator = created.json()["locator"]

    read = server.request("GET", f"/api/v1/bookings/{locator}/", headers=auth)
    assert read.status == 200, read.body
    assert read.json()["status"] == "held"

    paid = server.request(
        "POST",
        f"/api/v1/bookings/{locator}/payments/",
        headers={**auth, "Idempotency-Key": "redis-down-pay-1"},
        body={"payment_method": "pm_card_visa"},
    )
    assert paid.status == 201, paid.body
    assert paid.json()["booking_status"] == "confirmed"

    # Everything committed; the confirmation waits in the outbox, no email went out.
    assert Booking.objects.get(locator=locator).status == BookingStatus.CONFIRMED
    confirmation = OutboxEvent.objects.get(topic="booking.confirmed", payload__locator=locator)
    assert confirmation.dispatched_at is None
    assert not Notification.objects.exists()
    assert received(smtp_delivery.folder) == []

    redis_server.start()
    wait_for(lambda: server.request("GET", "/readyz").status == 200, timeout=30)

    # The periodic sweep (its tasks run in-process here) delivers what waited.
    outbox.sweep(older_than=timedelta(0))
    assert not OutboxEvent.objects.filter(dispatched_at__isnull=True).exists()
    # The hold's and the confirmation's emails, each once, through the real mail server.
    messages = received(smtp_delivery.folder)
    assert [message["To"] for message in messages] == ["ada@example.com"] * 2
    expected = notification_message_id(event_id=confirmation.id, kind="booking_confirmed", recipient="ada@example.com")
    confirmations = [message for message in messages if str(message["Message-ID"]).strip() == expected]
    assert len(confirmations) == 1
    assert locator in confirmations[0]["Subject"]
    assert_database_truth()
