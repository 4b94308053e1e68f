"""Reconciliation against the sandbox provider's own books: the mismatches a real incident
leaves behind (a process that died after charging, a refund made in the provider's
dashboard, an attempt that never reached the provider), reported and repaired."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.bookings.models import Booking, BookingStatus
from apps.core import clock
from apps.payments.models import Payment, PaymentStatus, Refund, RefundReason, RefundStatus, SandboxRecord
from apps.payments.providers import RefundRequest
from apps.payments.providers.sandbox import SandboxProvider
from apps.payments.reconcile import MismatchKind, reconcile
from apps.payments.tasks import reconcile_recent
from tests.payments.helpers import agent_refund, charged_but_unrecorded, hold, pay

pytestmark = pytest.mark.django_db

sandbox = SandboxProvider()


def _payment_never_sent(*, age: timedelta) -> Payment:
    """A payment we recorded `age` ago and never got to send to the provider."""
    booking = hold()
    return Payment.objects.create(
        booking=booking,
        provider="sandbox",
        amount=booking.total_amount,
        currency=booking.currency,
        created_at=clock.now() - age,
    )


def _reconcile(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("reconcile_payments", *args, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def _recent(*, repair: bool):
    now = clock.now()
    return reconcile(start=now - timedelta(days=2), end=now, repair=repair)


def test_a_charge_whose_answer_was_lost_is_reported_until_repaired():
    payment, _ = charged_but_unrecorded(hold())

    status, out = _reconcile()

    assert status == 1
    assert "missing_locally" in out
    assert "pending (no reference)" in out
    assert "1 mismatches, 0 repaired" in out
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_repairing_a_lost_charge_confirms_the_booking_with_tickets():
    payment, _ = charged_but_unrecorded(hold())

    status, out = _reconcile("--repair")

    assert status == 0
    assert "1 mismatches, 1 repaired" in out
    payment.refresh_from_db()
    assert (payment.status, payment.applied) == (PaymentStatus.SUCCEEDED, True)
    assert payment.provider_reference.startswith("pi_sandbox_")
    booking = payment.booking
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert all(booking.passengers.values_list("ticket_number", flat=True))


def test_a_second_repair_run_finds_nothing_left_to_do():
    charged_but_unrecorded(hold())
    _reconcile("--repair")

    status, out = _reconcile("--repair")

    assert status == 0
    assert "No mismatches." in out


def test_a_3ds_payment_approved_at_the_provider_is_a_status_mismatch_that_repair_applies():
    payment = pay(hold(), "pm_card_authenticationRequired")
    sandbox.authenticate(payment.provider_reference, approve=True)

    report = _recent(repair=True)

    [mismatch] = report.mismatches
    assert (mismatch.kind, mismatch.local_id, mismatch.reference) == (
        MismatchKind.STATUS,
        payment.pk,
        payment.provider_reference,
    )
    assert (mismatch.local_value, mismatch.provider_value, mismatch.repaired) == ("requires_action", "succeeded", True)
    assert Booking.objects.get(pk=payment.booking_id).status == BookingStatus.CONFIRMED


def test_a_refund_made_in_the_provider_dashboard_is_adopted():
    payment = pay(hold())
    dashboard = sandbox.refund(
        RefundRequest(
            payment_reference=payment.provider_reference,
            amount=Decimal("50.00"),
            currency=payment.currency,
            idempotency_key="dashboard-refund-1",
        )
    )

    status, out = _reconcile("--repair")

    assert status == 0
    assert "refund_missing_locally" in out
    refund = Refund.objects.get(provider_reference=dashboard.reference)
    assert (refund.payment_id, refund.amount, refund.status, refund.reason) == (
        payment.pk,
        Decimal("50.00"),
        RefundStatus.SUCCEEDED,
        RefundReason.PROVIDER,
    )
    payment.refresh_from_db()
    assert payment.amount_refunded == Decimal("50.00")


def test_a_stale_payment_the_provider_never_saw_is_marked_abandoned():
    payment = _payment_never_sent(age=timedelta(minutes=31))

    status, out = _reconcile("--repair")

    assert status == 0
    assert "stale" in out
    payment.refresh_from_db()
    assert (payment.status, payment.failure_code) == (PaymentStatus.FAILED, "abandoned")


def test_a_payment_within_its_lease_is_not_stale():
    # Its request may still be calling the provider (the lease is longer than any call).
    _payment_never_sent(age=timedelta(seconds=5))

    status, out = _reconcile("--repair")

    assert status == 0
    assert "No mismatches." in out


def test_an_amount_mismatch_is_reported_never_repaired_and_exits_1():
    payment = pay(hold())
    SandboxRecord.objects.filter(reference=payment.provider_reference).update(amount=Decimal("150.00"))

    status, out = _reconcile("--repair")

    assert status == 1
    [line] = [line for line in out.splitlines() if line.startswith("amount ")]
    assert f"{payment.amount} EUR" in line
    assert "150.00 EUR" in line
    assert "needs attention" in line
    assert "1 mismatches, 0 repaired" in out


def test_a_provider_failure_never_undoes_our_success():
    payment = pay(hold())
    SandboxRecord.objects.filter(reference=payment.provider_reference).update(status=PaymentStatus.FAILED)

    report = _recent(repair=True)

    [mismatch] = report.mismatches
    assert (mismatch.kind, mismatch.needs_attention, mismatch.repaired) == (MismatchKind.STATUS, True, False)
    payment.refresh_from_db()
    assert (payment.status, payment.applied) == (PaymentStatus.SUCCEEDED, True)


def test_a_reference_the_provider_does_not_know_needs_attention():
    payment = pay(hold())
    SandboxRecord.objects.filter(reference=payment.provider_reference).delete()

    status, out = _reconcile("--repair")

    assert status == 1
    assert "missing_at_provider" in out
    assert payment.provider_reference in out


def test_a_recorded_refund_that_was_never_sent_is_sent():
    payment = pay(hold())
    refund = agent_refund(payment, "20.00", source_key="agent:1")
    Refund.objects.filter(pk=refund.pk).update(created_at=clock.now() - timedelta(minutes=6))

    status, out = _reconcile("--repair")

    assert status == 0
    assert "refund_not_sent" in out
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert SandboxRecord.objects.filter(reference=refund.provider_reference, kind="refund").exists()


def test_a_refund_whose_answer_was_lost_takes_the_providers_status_and_reference():
    payment = pay(hold())
    refund = agent_refund(payment, "20.00", source_key="agent:2")
    sent = sandbox.refund(
        RefundRequest(
            payment_reference=payment.provider_reference,
            amount=refund.amount,
            currency=refund.currency,
            idempotency_key=refund.provider_idempotency_key,
            metadata={"refund_id": str(refund.pk)},
        )
    )

    report = _recent(repair=True)

    [mismatch] = report.mismatches
    assert (mismatch.kind, mismatch.local_value, mismatch.repaired) == (
        MismatchKind.REFUND_STATUS,
        "pending (no reference)",
        True,
    )
    refund.refresh_from_db()
    assert (refund.status, refund.provider_reference) == (RefundStatus.SUCCEEDED, sent.reference)


def test_a_clean_period_reports_nothing_and_exits_0():
    pay(hold())
    pay(hold(), "pm_card_authenticationRequired")

    status, out = _reconcile("--provider", "sandbox")

    assert status == 0
    assert "No mismatches." in out
    assert "checked 2 payments and 0 refunds: 0 mismatches, 0 repaired" in out


def test_a_period_before_the_payments_checks_nothing():
    charged_but_unrecorded(hold())

    status, out = _reconcile("--since", "2020-01-01", "--until", "2020-01-03T00:00:00Z")

    assert status == 0
    assert "checked 0 payments and 0 refunds" in out


def test_a_since_that_is_not_a_date_is_a_command_error():
    with pytest.raises(CommandError, match="'yesterday' is not a date"):
        call_command("reconcile_payments", "--since", "yesterday", stdout=StringIO())


def test_since_after_until_is_a_command_error():
    with pytest.raises(CommandError, match="must be before --until"):
        call_command("reconcile_payments", "--since", "2024-05-03", "--until", "2024-05-01", stdout=StringIO())


def test_the_periodic_task_repairs_a_lost_charge():
    payment, _ = charged_but_unrecorded(hold())

    assert reconcile_recent.delay().get() == 0

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED


def test_the_periodic_task_warns_about_what_it_cannot_repair(caplog):
    payment = pay(hold())
    SandboxRecord.objects.filter(reference=payment.provider_reference).update(currency="USD")

    with caplog.at_level(logging.WARNING, logger="apps.payments.tasks"):
        assert reconcile_recent.delay().get() == 1

    [record] = [r for r in caplog.records if r.name == "apps.payments.tasks"]
    assert "amount" in record.getMessage()
    assert payment.provider_reference in record.getMessage()
