"""Payments under contention, for real: threads racing on PostgreSQL, released together
by a barrier. One booking is charged once; a payment that completes as the hold runs out
never confirms a booking whose seats went to someone else."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connections

from apps.bookings import services as booking_services
from apps.bookings.models import Booking, BookingStatus
from apps.core.errors import DomainError
from apps.payments import locks as payment_locks
from apps.payments import services
from apps.payments.models import Payment, PaymentStatus, Refund, RefundReason, RefundStatus, SandboxRecord
from apps.payments.providers import get_provider
from tests.conftest import wait_for
from tests.factories import FareClassFactory, UserFactory
from tests.payments.helpers import agent_refund, api_as, charges_taken, hold, pay, pay_by_api

pytestmark = pytest.mark.django_db(transaction=True)


def _race(attempts: list[Callable[[], object]]) -> list[object]:
    """Start every attempt at the same instant in its own thread. Returns what each
    returned, or the code of the business error it raised, in the order given."""
    barrier = threading.Barrier(len(attempts))
    results: list[object] = [None] * len(attempts)

    def run(index: int, attempt: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[index] = attempt()
        except DomainError as error:
            results[index] = error.code
        except Exception as error:  # an unexpected crash is an outcome the test must see
            results[index] = f"crashed: {type(error).__name__}: {error}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_six_simultaneous_payments_of_one_booking_charge_the_card_once():
    user = UserFactory()
    booking = hold(FareClassFactory(price=Decimal("120.00")), user=user, adults=2)

    def paying(key: str):
        def attempt():
            response = pay_by_api(api_as(user), booking.locator, key=key)
            return response.status_code, response.json().get("code")

        return attempt

    results = _race([paying(f"double-click-{i}") for i in range(6)])

    assert Counter(status for status, _ in results) == Counter({201: 1, 409: 5}), results
    assert {code for status, code in results if status == 409} <= {"payment_in_progress", "booking_already_paid"}
    assert charges_taken() == 1
    assert list(Payment.objects.filter(booking=booking).values_list("status", "applied")) == [
        (PaymentStatus.SUCCEEDED, True)
    ]
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED


def _approve_3ds_while_paying_with_another_card() -> None:
    user = UserFactory()
    booking = hold(user=user)
    waiting = pay(booking, "pm_card_authenticationRequired")
    charges_before = charges_taken()

    _race(
        [
            lambda: services.sandbox_authenticate(
                reference=waiting.provider_reference, approve=True, actor_label=user.email
            ),
            lambda: pay(booking, user=user),
        ]
    )

    assert charges_taken() - charges_before == 1
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
    assert Payment.objects.filter(booking=booking, applied=True).count() == 1
    assert not Refund.objects.filter(payment__booking=booking).exists()


def test_a_3ds_approval_racing_a_payment_with_another_card_charges_once():
    for _ in range(5):
        _approve_3ds_while_paying_with_another_card()


SEATS = 3
ROUNDS = 10
# B starts a little later in some rounds, so that both orders of the race happen.
STAGGER = [0, 0.02, 0.04, 0.08, 0.16]


def _after(seconds: float, attempt: Callable[[], object]) -> object:
    time.sleep(seconds)
    return attempt()


def _pay_as_the_hold_runs_out_while_seats_are_resold(later, *, stagger: float, with_expiry_job: bool) -> None:
    """One round of the race below; B starts `stagger` seconds after the others."""
    fare_class = FareClassFactory(capacity=SEATS, price=Decimal("99.00"))
    customer, other = UserFactory(), UserFactory()
    booking = hold(fare_class, user=customer, adults=SEATS)
    waiting = pay(booking, "pm_card_authenticationRequired")
    later(minutes=16)

    racers = [
        lambda: services.sandbox_authenticate(
            reference=waiting.provider_reference, approve=True, actor_label=customer.email
        )[1],
        lambda: _after(stagger, lambda: hold(fare_class, user=other, adults=SEATS)),
    ]
    if with_expiry_job:
        racers.append(booking_services.bookings_expire_due)
    approved, resold, *_ = _race(racers)

    fare_class.refresh_from_db()
    payment = Payment.objects.get(pk=waiting.pk)
    a_confirmed = Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
    b_booked = isinstance(resold, Booking)
    context = f"B {stagger}s later, job {with_expiry_job}: A's payment {approved!r}, B's booking {resold!r}"
    assert a_confirmed != b_booked, context  # one of them, never both, never neither
    assert fare_class.sold == SEATS <= fare_class.capacity, context
    assert payment.status == PaymentStatus.SUCCEEDED, context
    if a_confirmed:
        assert approved in ("confirmed", "reinstated"), context
        assert resold == "sold_out", context
        assert payment.applied, context
        assert not Refund.objects.filter(payment=payment).exists(), context
    else:
        assert approved == RefundReason.SEATS_RELEASED, context
        assert not payment.applied, context
        refund = Refund.objects.get(payment=payment)
        assert (refund.reason, refund.amount) == (RefundReason.SEATS_RELEASED, payment.amount), context
        assert refund.status == RefundStatus.SUCCEEDED, context  # the outbox ran it after commit
        assert Booking.objects.get(pk=resold.pk).status == BookingStatus.HELD, context


def test_a_payment_racing_the_hold_expiry_never_confirms_a_booking_whose_seats_were_resold(later):
    """A holds every seat of a fare class and is asked for 3-D Secure; the hold runs out.
    Then, at the same instant, A's bank approves and B books the same seats (in half of
    the rounds the expiry job runs too). Exactly one of A and B gets the seats, every round."""
    for round_ in range(ROUNDS):
        _pay_as_the_hold_runs_out_while_seats_are_resold(
            later, stagger=STAGGER[round_ % len(STAGGER)], with_expiry_job=round_ >= len(STAGGER)
        )


def test_two_workers_carrying_out_the_same_refund_at_once_refund_once_at_the_bank():
    payment = pay(hold(FareClassFactory(price=Decimal("150.00")), user=UserFactory()))
    # Recorded without running the outbox, as if the broker were slow: the workers do it.
    refund = Refund.objects.create(
        payment=payment, amount=payment.amount, currency="EUR", reason=RefundReason.AGENT, source_key="race:1",
        requested_by="agent@example.com",
    )  # fmt: skip
    Payment.objects.filter(pk=payment.pk).update(amount_refunded=payment.amount)

    results = _race([lambda: services.refund_execute(refund_id=refund.pk).status for _ in range(4)])

    assert results == [RefundStatus.SUCCEEDED] * 4
    assert SandboxRecord.objects.filter(kind=SandboxRecord.Kind.REFUND).count() == 1
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert Payment.objects.get(pk=payment.pk).amount_refunded == Decimal("150.00")


def _backends_waiting_for_a_row_lock() -> int:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_news_of_a_refund_and_of_its_payment_arriving_together_do_not_deadlock(monkeypatch):
    """A provider event about a payment (booking locked, then payment) and one about a
    refund of that payment, applied at the same moment: both must go through. Locks taken
    in different orders deadlock, and PostgreSQL then aborts one of them."""
    payment = pay(hold(FareClassFactory(price=Decimal("150.00")), user=UserFactory()))
    refund = agent_refund(payment, "50.00", source_key="agent:lock-order")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED  # the outbox sent it to the bank on commit
    payment_news = get_provider("sandbox").retrieve(payment.provider_reference)
    refund_news = get_provider("sandbox").retrieve_refund(refund.provider_reference)

    # Hold the payment update between its booking lock and its payment lock until the
    # refund update is waiting for a lock too: the interleaving that deadlocks.
    booking_locked, refund_waiting = threading.Event(), threading.Event()
    payment_lock = payment_locks.payment_lock

    def payment_lock_after_the_refund_waits(*, pk: int):
        if threading.current_thread().name == "payment-news":
            booking_locked.set()
            refund_waiting.wait(timeout=10)
        return payment_lock(pk=pk)

    monkeypatch.setattr(payment_locks, "payment_lock", payment_lock_after_the_refund_waits)
    results: dict[str, object] = {}

    def apply(name: str, news: Callable[[], object]) -> None:
        try:
            results[name] = news()
        except Exception as error:
            results[name] = f"crashed: {type(error).__name__}: {error}"
        finally:
            connections.close_all()

    payment_thread = threading.Thread(
        target=apply,
        name="payment-news",
        args=("payment", lambda: services.payment_state_apply(payment_id=payment.pk, state=payment_news)[1]),
    )
    refund_thread = threading.Thread(
        target=apply,
        args=("refund", lambda: services.refund_state_apply(refund_id=refund.pk, state=refund_news)[0].status),
    )
    payment_thread.start()
    assert booking_locked.wait(timeout=10)
    refund_thread.start()
    wait_for(lambda: _backends_waiting_for_a_row_lock() >= 1, timeout=10)
    refund_waiting.set()
    payment_thread.join(timeout=30)
    refund_thread.join(timeout=30)

    assert results == {"payment": "", "refund": RefundStatus.SUCCEEDED}
