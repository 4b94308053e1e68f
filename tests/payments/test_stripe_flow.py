"""Paying, confirming and refunding with the Stripe provider end to end: our API and pages
call the official SDK, which talks to recorded Stripe responses on loopback; Stripe's
side of the story comes back as webhooks signed exactly as Stripe signs them."""

from __future__ import annotations

import threading
import time
from collections import Counter
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connections

from apps.bookings.models import Booking, BookingStatus
from apps.core.money import minor_units
from apps.payments.models import Payment, PaymentStatus, ProviderEvent, Refund, RefundStatus
from tests.factories import FareClassFactory, UserFactory
from tests.payments.helpers import (
    STRIPE_WEBHOOK,
    STRIPE_WEBHOOK_SECRET,
    api_as,
    deliver_stripe_webhook,
    hold,
    pay_by_api,
)
from tests.payments.stripe_fake import load_fixture, sign_webhook, stripe_event

pytestmark = pytest.mark.django_db

PI_ID = "pi_1PgafyB7WZ01zgkWSjxsAJo3"


def _intent(fixture: str, booking: Booking, **changes) -> dict:
    """A recorded PaymentIntent, for this booking's amount."""
    intent = load_fixture(fixture)
    intent.update(
        amount=int(booking.total_amount * 10 ** minor_units(booking.currency)),
        currency=booking.currency.lower(),
        metadata={"locator": booking.locator, "payment_id": str(changes.pop("payment_id", ""))},
        **changes,
    )
    return intent


# The state a PaymentIntent is in when Stripe sends each event about it.
INTENT_AFTER = {
    "payment_intent.succeeded": "payment_intent_succeeded",
    "payment_intent.payment_failed": "payment_intent_requires_payment_method",
    "payment_intent.requires_action": "payment_intent_requires_action",
}


def _intent_event(event_type: str, booking: Booking, *, event_id: str, created: int | None = None) -> bytes:
    """Stripe's webhook body for `event_type` about this booking's PaymentIntent (created now by default)."""
    intent = _intent(INTENT_AFTER[event_type], booking)
    return stripe_event(event_type, intent, event_id=event_id, created=int(time.time()) if created is None else created)


@pytest.fixture
def fare_class():
    return FareClassFactory(refundable=True)


@pytest.fixture
def customer_api(user, api):
    return user, api


def _pay_needing_3ds(stripe_api, customer_api, fare_class) -> tuple[Booking, Payment]:
    user, client = customer_api
    booking = hold(fare_class, user=user)
    stripe_api.respond("POST", "/v1/payment_intents", _intent("payment_intent_requires_action", booking))
    response = pay_by_api(
        client, booking.locator, "pm_card_authenticationRequired", key="pay-1", return_url="https://agency.example/back"
    )
    assert response.status_code == 202, response.content
    assert response.json()["next_action"]["type"] == "redirect_to_url"
    assert response.json()["next_action"]["url"].startswith("https://hooks.stripe.com/3d_secure_2/")
    return booking, Payment.objects.get(booking=booking)


def test_a_payment_stripe_confirms_by_webhook_issues_the_tickets(stripe_api, fare_class, customer_api, client):
    booking, payment = _pay_needing_3ds(stripe_api, customer_api, fare_class)
    [sent] = stripe_api.requests
    assert sent.idempotency_key == f"flightbook-payment-{payment.pk}"
    assert sent.form["amount"] == str(int(booking.total_amount * 100))
    assert sent.form["currency"] == "eur"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.HELD

    payload = _intent_event("payment_intent.succeeded", booking, event_id="evt_succeeded")
    response = deliver_stripe_webhook(client, payload)

    assert response.status_code == 200
    assert response.json() == {"received": True, "duplicate": False}
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    ticket = booking.passengers.get().ticket_number
    assert len(ticket) == 13
    payment.refresh_from_db()
    assert (payment.status, payment.applied, payment.provider_reference) == ("succeeded", True, PI_ID)


def test_a_replayed_webhook_changes_nothing(stripe_api, fare_class, customer_api, client):
    booking, _ = _pay_needing_3ds(stripe_api, customer_api, fare_class)
    payload = _intent_event("payment_intent.succeeded", booking, event_id="evt_1")
    deliver_stripe_webhook(client, payload)
    ticket = Booking.objects.get(pk=booking.pk).passengers.get().ticket_number

    again = deliver_stripe_webhook(client, payload)

    assert again.status_code == 200
    assert again.json() == {"received": True, "duplicate": True}
    assert ProviderEvent.objects.filter(event_id="evt_1").count() == 1
    assert Booking.objects.get(pk=booking.pk).passengers.get().ticket_number == ticket
    assert booking.events.filter(kind="confirmed").count() == 1


@pytest.mark.parametrize("failure_age", [60, -60], ids=["older failure", "failure stamped later"])
def test_an_out_of_order_failure_never_moves_a_paid_payment_backwards(
    stripe_api, fare_class, customer_api, client, failure_age
):
    booking, payment = _pay_needing_3ds(stripe_api, customer_api, fare_class)
    now = int(time.time())
    # The customer's first try failed, the second succeeded; Stripe delivers the success first.
    # A success is final, whatever the other event's timestamp says.
    succeeded = _intent_event("payment_intent.succeeded", booking, event_id="evt_ok", created=now)
    failed = _intent_event("payment_intent.payment_failed", booking, event_id="evt_failed", created=now - failure_age)
    assert deliver_stripe_webhook(client, succeeded).status_code == 200
    assert deliver_stripe_webhook(client, failed).status_code == 200

    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert booking.status == BookingStatus.CONFIRMED
    assert not booking.events.filter(kind="payment_failed").exists()
    assert ProviderEvent.objects.get(event_id="evt_failed").outcome.endswith("no change")


def test_an_older_failure_after_a_newer_challenge_is_ignored(stripe_api, fare_class, customer_api, client):
    booking, payment = _pay_needing_3ds(stripe_api, customer_api, fare_class)
    now = int(time.time())
    challenge = _intent_event("payment_intent.requires_action", booking, event_id="evt_action", created=now)
    stale_failure = _intent_event(
        "payment_intent.payment_failed", booking, event_id="evt_old_failure", created=now - 30
    )
    deliver_stripe_webhook(client, challenge)
    deliver_stripe_webhook(client, stale_failure)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REQUIRES_ACTION


@pytest.mark.parametrize(
    ("secret", "age", "tamper"),
    [
        pytest.param("whsec_someone_else", 0, False, id="wrong secret"),
        pytest.param(STRIPE_WEBHOOK_SECRET, 301, False, id="older than 5 minutes"),
        pytest.param(STRIPE_WEBHOOK_SECRET, 0, True, id="body changed after signing"),
    ],
)
def test_a_webhook_that_is_not_genuine_is_refused_and_changes_nothing(
    stripe_api, fare_class, customer_api, client, secret, age, tamper
):
    booking, payment = _pay_needing_3ds(stripe_api, customer_api, fare_class)
    payload = _intent_event("payment_intent.succeeded", booking, event_id="evt_x")
    header = sign_webhook(payload, secret, int(time.time()) - age)
    if tamper:
        payload = payload.replace(b'"succeeded"', b'"canceled"', 1)

    response = client.post(STRIPE_WEBHOOK, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "webhook_invalid"
    assert not ProviderEvent.objects.exists()
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert (payment.status, booking.status) == (PaymentStatus.REQUIRES_ACTION, BookingStatus.HELD)


def test_a_webhook_without_a_signature_is_refused(stripe_api, client):
    response = client.post(STRIPE_WEBHOOK, data=b"{}", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "webhook_invalid"


def test_a_declined_card_leaves_the_booking_held(stripe_api, fare_class, customer_api):
    user, client = customer_api
    booking = hold(fare_class, user=user)
    declined = load_fixture("error_card_declined")
    stripe_api.respond("POST", "/v1/payment_intents", declined, status=402)
    response = pay_by_api(client, booking.locator, "pm_card_chargeDeclined")
    assert response.status_code == 402
    assert response.json()["code"] == "payment_declined"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.HELD
    assert Payment.objects.get(booking=booking).status == PaymentStatus.FAILED


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("same_key", [True, False], ids=["same Idempotency-Key", "different keys"])
def test_a_double_submitted_payment_charges_once(stripe_api, fare_class, same_key):
    user = UserFactory()
    booking = hold(fare_class, user=user)
    # Stripe answers one charge; a second request would find nothing scripted and fail the test.
    stripe_api.respond("POST", "/v1/payment_intents", _intent("payment_intent_succeeded", booking))
    barrier = threading.Barrier(2)
    statuses: Counter = Counter()

    def submit(n: int) -> None:
        client = api_as(user)
        barrier.wait()
        try:
            response = pay_by_api(client, booking.locator, key="double" if same_key else f"key-{n}")
            statuses[response.status_code] += 1
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(stripe_api.requests_to("POST", "/v1/payment_intents")) == 1
    assert Payment.objects.filter(booking=booking, status=PaymentStatus.SUCCEEDED).count() == 1
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
    # The loser waits for the winner's answer (201 again) or is told a payment is in progress.
    assert statuses[201] >= 1
    assert set(statuses) <= {201, 409}


def test_a_cancellation_refund_goes_to_stripe_and_settles_by_webhook(
    stripe_api, customer_api, client, django_capture_on_commit_callbacks
):
    user, api = customer_api
    booking = hold(FareClassFactory(refundable=True, change_fee=Decimal("0.00")), user=user)
    stripe_api.respond("POST", "/v1/payment_intents", _intent("payment_intent_succeeded", booking))
    assert pay_by_api(api, booking.locator).status_code == 201

    refund_body = load_fixture("refund_pending")
    refund_body.update(amount=int(booking.total_amount * 100), currency="eur")
    stripe_api.respond("POST", "/v1/refunds", refund_body)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/api/v1/bookings/{booking.locator}/cancellation/").status_code == 200

    refund = Refund.objects.get(payment__booking=booking)
    [sent] = stripe_api.requests_to("POST", "/v1/refunds")
    assert sent.form["payment_intent"] == PI_ID
    assert sent.form["amount"] == str(int(booking.total_amount * 100))
    assert sent.idempotency_key == f"flightbook-refund-{refund.pk}"
    assert (refund.status, refund.provider_reference) == (RefundStatus.PENDING, refund_body["id"])
    assert api.get(f"/api/v1/bookings/{booking.locator}/").json()["refunds"][0]["status"] == "pending"

    settled = dict(refund_body, status="succeeded")
    with django_capture_on_commit_callbacks(execute=True):
        deliver_stripe_webhook(
            client, stripe_event("refund.updated", settled, event_id="evt_refund", created=int(time.time()))
        )

    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert api.get(f"/api/v1/bookings/{booking.locator}/").json()["refunds"][0]["status"] == "succeeded"
    assert any("refund" in m.subject.lower() for m in mail.outbox)


def test_a_refund_made_in_stripes_dashboard_is_recorded(stripe_api, fare_class, customer_api, client):
    user, api = customer_api
    booking = hold(fare_class, user=user)
    stripe_api.respond("POST", "/v1/payment_intents", _intent("payment_intent_succeeded", booking))
    pay_by_api(api, booking.locator)

    dashboard_refund = load_fixture("refund_succeeded")
    dashboard_refund.update(id="re_dashboard", amount=5000, currency="eur", payment_intent=PI_ID, metadata={})
    deliver_stripe_webhook(
        client, stripe_event("refund.created", dashboard_refund, event_id="evt_dash", created=int(time.time()))
    )

    refund = Refund.objects.get(payment__booking=booking)
    assert (refund.amount, refund.status, refund.reason) == (Decimal("50.00"), RefundStatus.SUCCEEDED, "provider")
    assert Payment.objects.get(booking=booking).amount_refunded == Decimal("50.00")


def test_the_payment_page_shows_stripes_element_and_the_return_page_asks_stripe(stripe_api, fare_class, client):
    user = UserFactory()
    booking = hold(fare_class, user=user)
    client.force_login(user)
    stripe_api.respond(
        "POST",
        "/v1/payment_intents",
        _intent("payment_intent_requires_payment_method", booking, last_payment_error=None),
    )

    page = client.get(f"/payments/{booking.locator}/").content.decode()
    assert 'data-publishable-key="pk_test_flightbook"' in page
    assert f"{PI_ID}_secret_" in page
    assert "https://js.stripe.com/v3/" in page
    [created] = stripe_api.requests_to("POST", "/v1/payment_intents")
    assert "confirm" not in created.form

    # The browser comes back claiming success; only Stripe's answer to our retrieve counts.
    stripe_api.respond("GET", f"/v1/payment_intents/{PI_ID}", _intent("payment_intent_succeeded", booking))
    response = client.get(f"/payments/{booking.locator}/return/?payment_intent={PI_ID}&redirect_status=succeeded")
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert response["Location"].startswith(f"/payments/{booking.locator}/receipt/")
