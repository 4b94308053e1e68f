"""A local provider that behaves like Stripe's test mode for its test payment methods, so
the whole flow works offline and in the demo. It keeps its own books in `SandboxRecord`
(what a real provider keeps on its servers), each write in its own transaction, so the
project can retrieve, refund and reconcile against it exactly as against Stripe. It
never sees a card number: only these ids."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.urls import reverse

from apps.payments.errors import PaymentMethodInvalid, PaymentProviderUnavailable, RefundNotAllowed
from apps.payments.models import PaymentStatus, RefundStatus, SandboxRecord
from apps.payments.providers.base import (
    ChargeRequest,
    IntentRequest,
    PaymentState,
    RefundRequest,
    RefundState,
    WebhookEvent,
)

TEST_PAYMENT_METHODS = {
    "pm_card_visa": "Visa, succeeds",
    "pm_card_mastercard": "Mastercard, succeeds",
    "pm_card_chargeDeclined": "Declined by the issuer",
    "pm_card_authenticationRequired": "Needs 3-D Secure",
}
DECLINE_MESSAGE = "Your card was declined."
# Longest a fault point holds a request (tests kill the process long before).
FAULT_PAUSE_SECONDS = 120


def _fault_point(name: str) -> None:
    """Where the fault tests stop a request: before the charge, or after the sandbox has
    recorded it. Off unless a test's settings name a control file
    (`PAYMENT_SANDBOX_FAULT_FILE`); while that file reads `name`, the request waits here
    (the test kills the worker or the database connection meanwhile) and `<file>.reached`
    says so."""
    control = getattr(settings, "PAYMENT_SANDBOX_FAULT_FILE", "")
    if not control:
        return
    path = Path(control)
    deadline = time.monotonic() + FAULT_PAUSE_SECONDS
    reached = False
    while time.monotonic() < deadline and path.exists() and path.read_text().strip() == name:
        if not reached:
            path.with_name(path.name + ".reached").write_text(name)
            reached = True
        time.sleep(0.05)


def _reference(prefix: str, idempotency_key: str) -> str:
    """Same idempotency key, same reference: a replayed call is the same object. Keyed
    with the secret key, so that nobody can work a reference out from a payment id: the
    3-D Secure page trusts whoever holds the reference, as a bank's challenge link does."""
    digest = hmac.new(settings.SECRET_KEY.encode(), idempotency_key.encode(), hashlib.sha256).hexdigest()
    return f"{prefix}_sandbox_{digest[:24]}"


def _payment_state(record: SandboxRecord) -> PaymentState:
    next_action_url = ""
    if record.status == PaymentStatus.REQUIRES_ACTION and record.payment_method:
        next_action_url = reverse("payments:authenticate", args=[record.reference])
    return PaymentState(
        reference=record.reference,
        status=record.status,
        amount=record.amount,
        currency=record.currency,
        failure_code=record.failure_code,
        failure_message=DECLINE_MESSAGE if record.failure_code else "",
        client_secret=f"{record.reference}_secret" if record.status != PaymentStatus.SUCCEEDED else "",
        next_action_url=next_action_url,
        metadata=dict(record.metadata),
        created=record.created,
    )


def _refund_state(record: SandboxRecord) -> RefundState:
    return RefundState(
        reference=record.reference,
        payment_reference=record.payment_reference,
        status=record.status,
        amount=record.amount,
        currency=record.currency,
        failure_code=record.failure_code,
        metadata=dict(record.metadata),
        created=record.created,
    )


class SandboxProvider:
    name = "sandbox"
    failed_payments_stay_open = False

    def check_payment_method(self, payment_method: str) -> None:
        if payment_method not in TEST_PAYMENT_METHODS:
            raise PaymentMethodInvalid(f"Use one of the sandbox test methods: {', '.join(TEST_PAYMENT_METHODS)}.")

    def _create(self, **fields) -> SandboxRecord:
        try:
            with transaction.atomic():
                return SandboxRecord.objects.create(**fields)
        except IntegrityError:
            # The same idempotency key again: the first answer, as Stripe gives it.
            return SandboxRecord.objects.get(idempotency_key=fields["idempotency_key"])

    def _get(self, reference: str, kind: str, *, for_update: bool = False) -> SandboxRecord:
        records = SandboxRecord.objects.select_for_update() if for_update else SandboxRecord.objects
        try:
            return records.get(reference=reference, kind=kind)
        except SandboxRecord.DoesNotExist as exc:
            raise PaymentProviderUnavailable(f"The sandbox has no {kind} {reference}.") from exc

    def _payment(self, request: ChargeRequest | IntentRequest, *, status: str, failure: str = "") -> PaymentState:
        record = self._create(
            reference=_reference("pi", request.idempotency_key),
            kind=SandboxRecord.Kind.PAYMENT,
            idempotency_key=request.idempotency_key,
            status=status,
            amount=request.amount,
            currency=request.currency,
            payment_method=getattr(request, "payment_method", ""),
            failure_code=failure,
            metadata=request.metadata,
        )
        return _payment_state(record)

    def charge(self, request: ChargeRequest) -> PaymentState:
        self.check_payment_method(request.payment_method)
        _fault_point("before_charge")
        if request.payment_method == "pm_card_chargeDeclined":
            state = self._payment(request, status=PaymentStatus.FAILED, failure="card_declined")
        elif request.payment_method == "pm_card_authenticationRequired":
            state = self._payment(request, status=PaymentStatus.REQUIRES_ACTION)
        else:
            state = self._payment(request, status=PaymentStatus.SUCCEEDED)
        _fault_point("after_charge")
        return state

    def intent_create(self, request: IntentRequest) -> PaymentState:
        return self._payment(request, status=PaymentStatus.REQUIRES_ACTION)

    def retrieve(self, reference: str) -> PaymentState:
        return _payment_state(self._get(reference, SandboxRecord.Kind.PAYMENT))

    def payment_find(self, *, payment_id: str, created_after: datetime) -> PaymentState | None:
        record = (
            SandboxRecord.objects.filter(kind=SandboxRecord.Kind.PAYMENT, metadata__payment_id=payment_id)
            .order_by("created")
            .first()
        )
        return _payment_state(record) if record is not None else None

    def authenticate(self, reference: str, *, approve: bool) -> PaymentState:
        """The 3-D Secure challenge's answer (the sandbox's stand-in for the bank's page)."""
        with transaction.atomic():
            record = self._get(reference, SandboxRecord.Kind.PAYMENT, for_update=True)
            if record.status == PaymentStatus.REQUIRES_ACTION:
                record.status = PaymentStatus.SUCCEEDED if approve else PaymentStatus.FAILED
                record.failure_code = "" if approve else "payment_intent_authentication_failure"
                record.save(update_fields=["status", "failure_code"])
        return _payment_state(record)

    def cancel(self, reference: str) -> PaymentState:
        with transaction.atomic():
            record = self._get(reference, SandboxRecord.Kind.PAYMENT, for_update=True)
            if record.status in (PaymentStatus.REQUIRES_ACTION, PaymentStatus.PENDING, PaymentStatus.FAILED):
                record.status = PaymentStatus.CANCELED
                record.save(update_fields=["status"])
        return _payment_state(record)

    def refund(self, request: RefundRequest) -> RefundState:
        with transaction.atomic():
            payment = (
                SandboxRecord.objects.select_for_update()
                .filter(reference=request.payment_reference, kind=SandboxRecord.Kind.PAYMENT)
                .first()
            )
            if payment is None:
                raise RefundNotAllowed("The sandbox has no such payment to refund.")
            existing = SandboxRecord.objects.filter(idempotency_key=request.idempotency_key).first()
            if existing is not None:
                return _refund_state(existing)
            if payment.status != PaymentStatus.SUCCEEDED:
                raise RefundNotAllowed("The sandbox payment did not succeed; there is nothing to refund.")
            refunded = SandboxRecord.objects.filter(
                kind=SandboxRecord.Kind.REFUND, payment_reference=payment.reference, status=RefundStatus.SUCCEEDED
            ).aggregate(total=Coalesce(Sum("amount"), Decimal(0)))["total"]
            if refunded + request.amount > payment.amount:
                raise RefundNotAllowed("The sandbox refunds would exceed the payment.")
            record = SandboxRecord.objects.create(
                reference=_reference("re", request.idempotency_key),
                kind=SandboxRecord.Kind.REFUND,
                idempotency_key=request.idempotency_key,
                status=RefundStatus.SUCCEEDED,
                amount=request.amount,
                currency=request.currency,
                payment_reference=payment.reference,
                metadata=request.metadata,
            )
        return _refund_state(record)

    def retrieve_refund(self, reference: str) -> RefundState:
        return _refund_state(self._get(reference, SandboxRecord.Kind.REFUND))

    def payments_between(self, start: datetime, end: datetime) -> Iterator[PaymentState]:
        records = SandboxRecord.objects.filter(kind=SandboxRecord.Kind.PAYMENT, created__gte=start, created__lt=end)
        return (_payment_state(record) for record in records.order_by("created").iterator())

    def refunds_between(self, start: datetime, end: datetime) -> Iterator[RefundState]:
        records = SandboxRecord.objects.filter(kind=SandboxRecord.Kind.REFUND, created__gte=start, created__lt=end)
        return (_refund_state(record) for record in records.order_by("created").iterator())

    def webhook_event(self, payload: bytes, signature: str) -> WebhookEvent:
        raise PaymentProviderUnavailable("The sandbox sends no webhooks; its answers are final when given.")
