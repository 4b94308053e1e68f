"""Refunds: a cancellation's refund goes back through the bank by the outbox (eagerly, and
through a real worker); a refund is recorded once per source, never above what is left,
and one the bank refuses gives its amount back."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from apps.bookings.models import Booking
from apps.core import clock
from apps.core.models import OutboxEvent
from apps.payments import handlers
from apps.payments.errors import PaymentDeclined, RefundNotAllowed
from apps.payments.models import Payment, Refund, RefundReason, RefundStatus, SandboxRecord
from tests.conftest import wait_for
from tests.factories import FareClassFactory, FlightFactory
from tests.payments.helpers import agent_refund, hold, pay


def _paid_booking(user, *, days_ahead: int = 10, refundable: bool = False, change_fee: str = "0.00") -> Booking:
    departure = clock.now() + timedelta(days=days_ahead)
    flight = FlightFactory(departure_at=departure, arrival_at=departure + timedelta(hours=2))
    fare_class = FareClassFactory(
        flight=flight, price=Decimal("200.00"), refundable=refundable, change_fee=Decimal(change_fee)
    )
    booking = hold(fare_class, user=user)
    pay(booking)
    booking.refresh_from_db()
    return booking


def _bank_refunds() -> list[tuple[str, str, Decimal]]:
    return list(
        SandboxRecord.objects.filter(kind=SandboxRecord.Kind.REFUND).values_list(
            "payment_reference", "status", "amount"
        )
    )


def _event(topic: str) -> OutboxEvent:
    return OutboxEvent.objects.get(topic=topic)


# Cancelling a paid booking


@pytest.mark.django_db
def test_cancelling_within_the_free_window_refunds_the_full_amount_through_the_bank(
    api, user, django_capture_on_commit_callbacks
):
    booking = _paid_booking(user)
    payment = Payment.objects.get(booking=booking)

    with django_capture_on_commit_callbacks(execute=True):  # the outbox, dispatched eagerly after commit
        response = api.post(f"/api/v1/bookings/{booking.locator}/cancellation/")

    assert (response.status_code, response.json()["refund_amount"]) == (200, "200.00")
    refund = Refund.objects.get()
    assert (refund.payment_id, refund.reason, refund.amount) == (
        payment.pk,
        RefundReason.CANCELLATION,
        Decimal("200.00"),
    )
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund.provider_reference.startswith("re_sandbox_")
    assert _bank_refunds() == [(payment.provider_reference, RefundStatus.SUCCEEDED, Decimal("200.00"))]
    payment.refresh_from_db()
    assert payment.amount_refunded == Decimal("200.00")
    kinds = list(booking.events.values_list("kind", flat=True))
    assert kinds[-3:] == ["cancelled", "refund_requested", "refund_succeeded"]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_cancellation_refund_reaches_the_bank_through_a_real_worker(api, user, celery_worker):
    booking = _paid_booking(user)
    payment = Payment.objects.get(booking=booking)

    response = api.post(f"/api/v1/bookings/{booking.locator}/cancellation/")

    assert response.status_code == 200
    refund = wait_for(lambda: Refund.objects.filter(status=RefundStatus.SUCCEEDED).first())
    assert (refund.payment_id, refund.amount, refund.reason) == (payment.pk, Decimal("200.00"), "cancellation")
    assert _bank_refunds() == [(payment.provider_reference, RefundStatus.SUCCEEDED, Decimal("200.00"))]
    assert wait_for(lambda: _event("refund.requested").dispatched_at)
    detail = api.get(f"/api/v1/bookings/{booking.locator}/").json()
    assert [(r["status"], r["amount"]) for r in detail["refunds"]] == [("succeeded", "200.00")]


@pytest.mark.django_db
def test_cancelling_a_refundable_fare_outside_the_free_window_refunds_it_less_its_fee(
    api, user, django_capture_on_commit_callbacks
):
    booking = _paid_booking(user, days_ahead=3, refundable=True, change_fee="30.00")
    payment = Payment.objects.get(booking=booking)

    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/bookings/{booking.locator}/cancellation/")

    assert list(Refund.objects.values_list("status", "amount")) == [(RefundStatus.SUCCEEDED, Decimal("170.00"))]
    assert _bank_refunds() == [(payment.provider_reference, RefundStatus.SUCCEEDED, Decimal("170.00"))]


@pytest.mark.django_db
def test_cancelling_a_non_refundable_fare_after_the_free_window_refunds_nothing(
    api, user, django_capture_on_commit_callbacks
):
    booking = _paid_booking(user)
    Booking.objects.filter(pk=booking.pk).update(created_at=clock.now() - timedelta(days=2))

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/bookings/{booking.locator}/cancellation/")

    assert (response.status_code, response.json()["refund_amount"]) == (200, "0.00")
    assert _event("booking.cancelled").dispatched_at is not None  # the handler ran, and chose nothing
    assert not Refund.objects.exists()
    assert _bank_refunds() == []
    assert Payment.objects.get(booking=booking).amount_refunded == 0


# A refund the bank refuses


@pytest.mark.django_db
def test_a_refund_the_bank_refuses_fails_and_gives_its_amount_back(api, user, django_capture_on_commit_callbacks):
    booking = _paid_booking(user)
    payment = Payment.objects.get(booking=booking)
    # The bank's side of the charge failed after all (e.g. reversed by the issuer).
    SandboxRecord.objects.filter(reference=payment.provider_reference).update(status="failed")

    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/bookings/{booking.locator}/cancellation/")

    refund = Refund.objects.get()
    assert refund.status == RefundStatus.FAILED
    assert refund.failure_code
    assert Payment.objects.get(pk=payment.pk).amount_refunded == 0
    assert _bank_refunds() == []
    assert "refund_failed" in booking.events.values_list("kind", flat=True)
    detail = api.get(f"/api/v1/bookings/{booking.locator}/").json()
    assert [(r["status"], r["amount"]) for r in detail["refunds"]] == [("failed", "200.00")]


@pytest.mark.django_db
def test_a_refund_for_a_payment_the_bank_has_no_record_of_fails_and_gives_its_amount_back(
    api, user, django_capture_on_commit_callbacks
):
    booking = _paid_booking(user)
    payment = Payment.objects.get(booking=booking)
    SandboxRecord.objects.filter(reference=payment.provider_reference).delete()

    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/bookings/{booking.locator}/cancellation/")

    refund = Refund.objects.get()
    assert refund.status == RefundStatus.FAILED  # not left pending for ever
    assert Payment.objects.get(pk=payment.pk).amount_refunded == 0
    assert _event("refund.requested").dispatched_at is not None


@pytest.mark.django_db
def test_after_a_refund_failed_its_amount_may_be_refunded_again(user, django_capture_on_commit_callbacks):
    booking = _paid_booking(user)
    payment = Payment.objects.get(booking=booking)
    bank = SandboxRecord.objects.filter(reference=payment.provider_reference)
    bank.update(status="failed")
    with django_capture_on_commit_callbacks(execute=True):
        agent_refund(payment, "200.00", source_key="agent:1")
    bank.update(status="succeeded")  # the bank sorted it out

    with django_capture_on_commit_callbacks(execute=True):
        again = agent_refund(payment, "200.00", source_key="agent:2")

    again.refresh_from_db()
    assert again.status == RefundStatus.SUCCEEDED
    assert sorted(Refund.objects.values_list("status", flat=True)) == [RefundStatus.FAILED, RefundStatus.SUCCEEDED]
    assert Payment.objects.get(pk=payment.pk).amount_refunded == Decimal("200.00")


# Once, and never more than paid


@pytest.mark.django_db
def test_a_redelivered_cancellation_event_refunds_once(api, user):
    booking = _paid_booking(user)
    api.post(f"/api/v1/bookings/{booking.locator}/cancellation/")  # the outbox has not run (no commit here)
    cancelled = _event("booking.cancelled")

    # A worker ran the handler, crashed before recording it, and the event came again.
    handlers.refund_cancelled_booking(cancelled)
    handlers.refund_cancelled_booking(cancelled)
    requested = _event("refund.requested")  # one only: get() would fail on two
    handlers.send_refund_to_provider(requested)
    handlers.send_refund_to_provider(requested)

    assert Refund.objects.count() == 1
    assert Refund.objects.get().status == RefundStatus.SUCCEEDED
    assert len(_bank_refunds()) == 1
    assert Payment.objects.get(booking=booking).amount_refunded == Decimal("200.00")


@pytest.mark.django_db
def test_a_refund_above_what_is_left_is_refused_and_changes_nothing(user):
    booking = _paid_booking(user)
    payment = Payment.objects.get(booking=booking)
    agent_refund(payment, "150.00", source_key="agent:goodwill")
    events_before = booking.events.count()

    with pytest.raises(RefundNotAllowed, match=r"50\.00"):
        agent_refund(payment, "60.00", source_key="agent:more")

    assert Payment.objects.get(pk=payment.pk).amount_refunded == Decimal("150.00")
    assert list(Refund.objects.values_list("source_key", flat=True)) == ["agent:goodwill"]
    assert OutboxEvent.objects.filter(topic="refund.requested").count() == 1
    assert booking.events.count() == events_before


@pytest.mark.django_db
def test_a_refund_of_a_payment_that_did_not_succeed_is_refused(user):
    booking = hold(user=user)
    with pytest.raises(PaymentDeclined):
        pay(booking, "pm_card_chargeDeclined")
    declined = Payment.objects.get(booking=booking)

    with pytest.raises(RefundNotAllowed):
        agent_refund(declined, "1.00", source_key="agent:x")

    assert not Refund.objects.exists()


# What the customer sees


@pytest.mark.django_db
def test_the_booking_shows_a_refund_on_its_way_and_then_done(api, user, django_capture_on_commit_callbacks):
    booking = _paid_booking(user)
    payment = Payment.objects.get(booking=booking)
    refund = agent_refund(payment, "40.00", source_key="agent:bags")

    pending = api.get(f"/api/v1/bookings/{booking.locator}/").json()
    with django_capture_on_commit_callbacks(execute=True):
        handlers.send_refund_to_provider(_event("refund.requested"))
    done = api.get(f"/api/v1/bookings/{booking.locator}/").json()

    assert [(r["id"], r["status"], r["amount"], r["reason"]) for r in pending["refunds"]] == [
        (refund.pk, "pending", "40.00", "agent")
    ]
    assert [(r["status"], r["amount"], r["reason_label"]) for r in done["refunds"]] == [
        ("succeeded", "40.00", "Refund by an agent")
    ]
    assert done["payments"][0]["amount_refunded"] == "40.00"
