"""A payment request that dies half-way (worker killed, database connection lost) leaves
an attempt whose outcome we do not know. Once its lease has run out, the next try (any
Idempotency-Key), the periodic job or reconciliation asks the provider by the attempt's id
and settles it: the customer is charged once, and never blocked or left with a hold that
ran out under a payment in flight. (The same faults done for real, to a gunicorn worker
and its database connection, are in tests/faults/.)"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from rest_framework.renderers import JSONRenderer

from apps.bookings import selectors as booking_selectors
from apps.bookings import services as booking_services
from apps.bookings.models import Booking, BookingStatus
from apps.core import clock
from apps.core.models import IdempotencyKey
from apps.inventory.errors import SoldOut
from apps.inventory.models import FareClass
from apps.payments import services
from apps.payments.errors import PaymentDeclined
from apps.payments.models import Payment, PaymentStatus, Refund, RefundReason, RefundStatus
from apps.payments.providers import ChargeRequest
from apps.payments.providers.sandbox import SandboxProvider
from apps.payments.tasks import resolve_attempts
from tests.factories import FareClassFactory
from tests.payments.helpers import charges_taken, hold, pay, pay_by_api
from tests.payments.stripe_fake import load_fixture

pytestmark = pytest.mark.django_db

PAST_THE_LEASE = {"seconds": 61}  # PAYMENT_ATTEMPT_LEASE_SECONDS is 60


class WorkerKilled(BaseException):
    """The process stops here: nothing after this point runs, as under SIGKILL."""


@pytest.fixture
def dies_after_charging(monkeypatch):
    """The bank charges, then the request dies before it records the answer."""
    charge = SandboxProvider.charge

    def charge_then_die(self, request):
        charge(self, request)
        raise WorkerKilled

    monkeypatch.setattr(SandboxProvider, "charge", charge_then_die)
    return lambda: monkeypatch.setattr(SandboxProvider, "charge", charge)


@pytest.fixture
def dies_before_charging(monkeypatch):
    """The request dies after recording the attempt, before the bank is called."""
    charge = SandboxProvider.charge

    def die(self, request):
        raise WorkerKilled

    monkeypatch.setattr(SandboxProvider, "charge", die)
    return lambda: monkeypatch.setattr(SandboxProvider, "charge", charge)


def _dies(booking: Booking) -> Payment:
    with pytest.raises(WorkerKilled):
        pay(booking)
    return Payment.objects.get(booking=booking)


def _confirmations(booking: Booking) -> int:
    return booking.events.filter(kind="confirmed").count()


def test_a_retry_after_the_worker_died_mid_charge_confirms_with_one_charge(user, api, later, dies_after_charging):
    booking = hold(user=user)
    orphan = _dies(booking)
    dies_after_charging()  # the next worker is healthy
    assert (orphan.status, orphan.provider_reference, charges_taken()) == (PaymentStatus.PENDING, "", 1)
    later(**PAST_THE_LEASE)

    response = pay_by_api(api, booking.locator, key="a-new-key")

    assert response.status_code == 201, response.content
    assert response.json()["id"] == orphan.pk
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert charges_taken() == 1
    assert Payment.objects.filter(booking=booking).count() == 1
    assert _confirmations(booking) == 1


def test_a_retry_with_the_same_key_after_the_worker_died_mid_charge_confirms_it(user, api, later, dies_after_charging):
    booking = hold(user=user)
    body = {"payment_method": "pm_card_visa"}
    _dies(booking)
    dies_after_charging()
    # What the killed request left of its Idempotency-Key: a claim nobody will finish.
    IdempotencyKey.objects.create(
        client=f"user:{user.pk}",
        key="k-1",
        method="POST",
        path=f"/api/v1/bookings/{booking.locator}/payments/",
        body_hash=hashlib.sha256(JSONRenderer().render(body)).hexdigest(),
        locked_until=clock.now() + timedelta(seconds=90),
    )
    later(seconds=91)  # past the claim, and so past the attempt's lease

    response = pay_by_api(api, booking.locator, key="k-1")

    assert response.status_code == 201, response.content
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
    assert charges_taken() == 1
    replay = pay_by_api(api, booking.locator, key="k-1")
    assert (replay.status_code, replay.headers["Idempotent-Replayed"]) == (201, "true")


def test_a_retry_while_the_attempt_may_still_be_charging_waits_and_charges_nothing(
    user, api, later, dies_before_charging
):
    booking = hold(user=user)
    _dies(booking)
    dies_before_charging()

    waiting = pay_by_api(api, booking.locator, key="k-2")

    assert waiting.status_code == 409
    assert waiting.json()["code"] == "payment_in_progress"
    assert "within 60 seconds" in waiting.json()["detail"]
    assert charges_taken() == 0
    # "Not now" is not the key's final answer: the same key, after the lease, pays.
    later(**PAST_THE_LEASE)
    paid = pay_by_api(api, booking.locator, key="k-2")
    assert paid.status_code == 201, paid.content
    assert charges_taken() == 1


def test_an_attempt_orphaned_before_the_charge_is_abandoned_and_the_retry_pays(user, api, later, dies_before_charging):
    booking = hold(user=user)
    orphan = _dies(booking)
    dies_before_charging()
    later(**PAST_THE_LEASE)

    response = pay_by_api(api, booking.locator, key="k-3")

    assert response.status_code == 201, response.content
    orphan.refresh_from_db()
    assert (orphan.status, orphan.failure_code) == (PaymentStatus.FAILED, "abandoned")
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
    assert booking.events.filter(kind="payment_abandoned", detail__payment_id=orphan.pk).exists()
    assert not booking.events.filter(kind="payment_failed").exists()  # no decline shown to the customer
    assert charges_taken() == 1
    assert _confirmations(booking) == 1


def test_the_hold_does_not_run_out_under_a_payment_in_flight(user, later, dies_before_charging):
    fare_class = FareClassFactory(capacity=1)
    booking = hold(fare_class, user=user)
    later(minutes=14, seconds=50)  # 10 seconds of the hold left
    _dies(booking)
    later(seconds=20)  # past the hold as it was, within the attempt's lease

    assert booking_services.bookings_expire_due() == 0
    booking.refresh_from_db()
    assert booking_selectors.booking_effective_status(booking=booking) == BookingStatus.HELD
    assert booking.events.filter(kind="hold_extended").count() == 1
    assert FareClass.objects.get(pk=fare_class.pk).sold == 1  # the seat is still this booking's
    with pytest.raises(SoldOut):
        hold(fare_class)


def test_a_charge_found_after_the_hold_ran_out_confirms_on_the_same_seats(user, api, later, dies_after_charging):
    booking = hold(user=user)
    later(minutes=14, seconds=50)
    _dies(booking)
    dies_after_charging()
    later(**PAST_THE_LEASE)
    assert booking_services.bookings_expire_due() == 1  # the hold, kept for the lease, ran out

    response = pay_by_api(api, booking.locator, key="k-4")

    assert response.status_code == 201, response.content
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.events.filter(kind="reinstated").count() == 1
    assert charges_taken() == 1


def test_the_periodic_job_settles_an_attempt_nobody_tried_again(user, later, dies_after_charging):
    booking = hold(user=user)
    _dies(booking)
    dies_after_charging()
    later(seconds=30)
    assert resolve_attempts() == 0  # its request may still be calling the provider
    later(**PAST_THE_LEASE)

    assert resolve_attempts() == 1

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert _confirmations(booking) == 1
    assert resolve_attempts() == 0


def test_failed_payments_extend_a_hold_at_most_three_times(user, later):
    booking = hold(user=user)
    later(minutes=14, seconds=50)
    for _ in range(4):
        with pytest.raises(PaymentDeclined):
            pay(booking, "pm_card_chargeDeclined")
        booking.refresh_from_db()
        later(seconds=(booking.hold_expires_at - clock.now()).total_seconds() - 10)

    booking.refresh_from_db()
    assert booking.events.filter(kind="hold_extended").count() == 3
    later(seconds=11)
    assert booking_services.bookings_expire_due() == 1


def _stripe_intent(booking: Booking, payment_id: int) -> dict:
    """Stripe's succeeded PaymentIntent for our attempt `payment_id` of this booking."""
    intent = load_fixture("payment_intent_succeeded")
    intent.update(
        amount=int(booking.total_amount * 100),
        currency="eur",
        metadata={"locator": booking.locator, "payment_id": str(payment_id)},
    )
    return intent


def _stripe_orphan(booking: Booking) -> Payment:
    """An attempt recorded for Stripe whose request died before it learnt Stripe's answer."""
    return Payment.objects.create(
        booking=booking,
        provider="stripe",
        amount=booking.total_amount,
        currency=booking.currency,
        payment_method="pm_card_visa",
        lease_expires_at=clock.now() + timedelta(seconds=60),
    )


def test_stripe_attempt_whose_request_died_is_found_by_our_payment_id_and_settled(stripe_api, user, api, later):
    booking = hold(user=user)
    orphan = _stripe_orphan(booking)
    found = load_fixture("payment_intent_search_result")
    found["data"] = [_stripe_intent(booking, orphan.pk)]
    stripe_api.respond("GET", "/v1/payment_intents/search", found)
    later(**PAST_THE_LEASE)

    response = pay_by_api(api, booking.locator, key="k-5")

    assert response.status_code == 201, response.content
    orphan.refresh_from_db()
    assert (orphan.status, orphan.applied, orphan.provider_reference) == (
        PaymentStatus.SUCCEEDED,
        True,
        found["data"][0]["id"],
    )
    (search,) = stripe_api.requests_to("GET", "/v1/payment_intents/search")
    assert search.query["query"] == f"metadata['payment_id']:'{orphan.pk}'"
    assert not stripe_api.requests_to("POST", "/v1/payment_intents")  # no second charge


def test_stripe_attempt_it_never_received_is_checked_against_its_list_then_paid_anew(stripe_api, user, api, later):
    booking = hold(user=user)
    orphan = _stripe_orphan(booking)
    # Search lags Stripe's writes: an empty search is confirmed against the list.
    stripe_api.respond("GET", "/v1/payment_intents/search", load_fixture("payment_intent_search_empty"))
    stripe_api.respond("GET", "/v1/payment_intents", load_fixture("payment_intent_list_empty"))
    later(**PAST_THE_LEASE)
    stripe_api.respond("POST", "/v1/payment_intents", _stripe_intent(booking, orphan.pk + 1))

    response = pay_by_api(api, booking.locator, key="k-6")

    assert response.status_code == 201, response.content
    orphan.refresh_from_db()
    assert (orphan.status, orphan.failure_code) == (PaymentStatus.FAILED, "abandoned")
    (listed,) = stripe_api.requests_to("GET", "/v1/payment_intents")
    assert int(listed.query["created[gte]"]) <= int(orphan.created_at.timestamp())
    (charge,) = stripe_api.requests_to("POST", "/v1/payment_intents")
    assert charge.idempotency_key == f"flightbook-payment-{response.json()['id']}"
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED


def test_a_charge_arriving_after_its_attempt_was_abandoned_is_refunded_as_a_duplicate(
    user, api, later, dies_before_charging, django_capture_on_commit_callbacks
):
    booking = hold(user=user)
    orphan = _dies(booking)
    dies_before_charging()
    later(**PAST_THE_LEASE)
    assert pay_by_api(api, booking.locator, key="k-7").status_code == 201  # the orphan was abandoned
    # The first request was alive after all: its charge goes through, and its answer comes in.
    late = SandboxProvider().charge(
        ChargeRequest(
            amount=orphan.amount,
            currency=orphan.currency,
            payment_method="pm_card_visa",
            idempotency_key=orphan.provider_idempotency_key,
            description=f"Booking {booking.locator}",
            metadata={"locator": booking.locator, "payment_id": str(orphan.pk)},
        )
    )

    with django_capture_on_commit_callbacks(execute=True):
        _, outcome = services.payment_state_apply(payment_id=orphan.pk, state=late)

    assert outcome == RefundReason.DUPLICATE
    assert Refund.objects.get(payment=orphan).status == RefundStatus.SUCCEEDED
    assert _confirmations(booking) == 1
