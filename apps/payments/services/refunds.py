"""Refunds: recorded against the payment that took the money, carried out by its provider
through the outbox (`refund.requested`), and moved forward only by what the provider says
(`refund_state_apply`). Lock order: booking, then payment, then refund."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import F

from apps.accounts.models import User
from apps.bookings import services as booking_services
from apps.bookings.models import BookingStatus
from apps.core import clock, outbox
from apps.core.audit import audit_record
from apps.core.events import Topic
from apps.core.money import quantize
from apps.payments import locks as payment_locks
from apps.payments.errors import RefundNotAllowed
from apps.payments.models import REFUND_TERMINAL, Payment, PaymentStatus, Refund, RefundReason, RefundStatus
from apps.payments.providers import RefundRequest, RefundState, get_provider
from apps.payments.services.states import SYSTEM, refund_status_moves_forward

logger = logging.getLogger(__name__)


def refund_record(
    *,
    payment: Payment,
    amount: Decimal,
    reason: str,
    source_key: str,
    requested_by: str,
    note: str = "",
    audit: dict[str, Any] | None = None,
) -> Refund:
    """Record a refund to be carried out by the provider (through the outbox). A step of
    the caller's transaction, which has locked the payment row. A source asks at most
    once: the same key returns the refund already recorded."""
    if not connection.in_atomic_block:
        raise RuntimeError("refund_record runs inside the transaction that locked the payment")
    existing = Refund.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing
    if payment.status != PaymentStatus.SUCCEEDED:
        raise RefundNotAllowed("Only a payment that succeeded can be refunded.")
    left = payment.amount - payment.amount_refunded
    if amount <= 0 or amount > left:
        raise RefundNotAllowed(f"At most {left} {payment.currency} of this payment can still be refunded.")
    if quantize(amount, payment.currency) != amount:
        raise RefundNotAllowed(f"{payment.currency} has no amounts as fine as {amount}.")
    refund = Refund.objects.create(
        payment=payment,
        amount=amount,
        currency=payment.currency,
        reason=reason,
        source_key=source_key,
        requested_by=requested_by,
        note=note,
    )
    Payment.objects.filter(pk=payment.pk).update(amount_refunded=F("amount_refunded") + amount)
    payment.amount_refunded += amount
    booking_services.booking_event_record(
        booking=payment.booking,
        kind="refund_requested",
        actor_label=requested_by,
        detail={
            "refund_id": refund.pk,
            "amount": str(amount),
            "currency": payment.currency,
            "reason": reason,
            **({"note": note} if note else {}),
            **(audit or {}),
        },
    )
    outbox.publish(topic=Topic.REFUND_REQUESTED, payload={"refund_id": refund.pk})
    return refund


def refund_create(
    *,
    payment_id: int,
    amount: Decimal,
    reason: str,
    source_key: str,
    requested_by: str,
    note: str = "",
) -> Refund:
    """Refund part or all of a succeeded payment through its provider (via the outbox)."""
    with transaction.atomic():
        payment = payment_locks.payment_lock_with_booking(pk=payment_id)
        return refund_record(
            payment=payment,
            amount=amount,
            reason=reason,
            source_key=source_key,
            requested_by=requested_by,
            note=note,
        )


def refund_allowance(*, payment: Payment) -> Decimal:
    """What the fare rules let an agent refund on this payment now: all of a payment that
    never paid its booking; for a cancelled booking, the refund its cancellation quoted;
    for a confirmed one, what cancelling it now would give back. Less what is already
    refunded. Only an admin may go beyond it (and the override is recorded)."""
    left = payment.amount - payment.amount_refunded
    if payment.status != PaymentStatus.SUCCEEDED:
        return Decimal("0.00")
    if not payment.applied:
        return left
    booking = payment.booking
    if booking.status == BookingStatus.CANCELLED:
        event = booking.events.filter(kind="cancelled").order_by("-at").first()
        quoted = Decimal(event.detail.get("refund_amount", "0")) if event is not None else Decimal(0)
    elif booking.status == BookingStatus.CONFIRMED:
        quoted = booking_services.booking_cancellation_quote(booking=booking).refund_amount
    else:
        quoted = Decimal(0)
    return max(min(quoted - payment.amount_refunded, left), Decimal("0.00"))


def refund_by_staff(
    *, payment_id: int, amount: Decimal, user: User, note: str, token: str, override: bool = False
) -> Refund:
    """An agent's refund, within the fare rules; an admin may override them. Recorded on
    the booking's timeline with who asked, how much, why and whether rules were overridden.
    `token` comes from the form, so a double submit makes one refund."""
    if override and not user.is_superuser:
        raise RefundNotAllowed("Only an admin may override the fare rules.")
    if not note.strip():
        raise RefundNotAllowed("Say why the money goes back.")
    with transaction.atomic():
        payment = payment_locks.payment_lock_with_booking(pk=payment_id)
        source_key = f"staff:{token}"
        existing = Refund.objects.filter(source_key=source_key).first()
        if existing is not None:
            return existing  # the same form sent twice
        allowed = refund_allowance(payment=payment)
        if not override and amount > allowed:
            raise RefundNotAllowed(
                f"The fare rules allow at most {allowed} {payment.currency} here; an admin may override them."
            )
        label = f"{user.email} (override of the fare rules)" if override else user.email
        refund = refund_record(
            payment=payment,
            amount=amount,
            reason=RefundReason.AGENT,
            source_key=source_key,
            requested_by=label,
            note=note.strip()[:300],
            audit={"override": override, "allowed_by_fare_rules": str(allowed)},
        )
        audit_record(
            actor=user,
            action="refund",
            obj=payment,
            changes={
                "refund_id": refund.pk,
                "amount": str(amount),
                "override": override,
                "allowed_by_fare_rules": str(allowed),
                "note": refund.note,
            },
        )
        return refund


def booking_cancellation_refund(*, locator: str, refund_amount: Decimal) -> Refund | None:
    """The refund a cancellation quoted, taken from the payment that paid the booking."""
    if refund_amount <= 0:
        return None
    payment = Payment.objects.filter(booking__locator=locator, applied=True).first()
    if payment is None:
        logger.warning("booking %s was cancelled with a refund due but no payment paid it", locator)
        return None
    # What the fare rules give back on cancelling, less what was refunded already (e.g. by
    # an agent before the customer cancelled): the rules bound the total, not each refund.
    amount = min(refund_amount - payment.amount_refunded, payment.amount - payment.amount_refunded)
    if amount <= 0 and not Refund.objects.filter(source_key=f"cancellation:{locator}").exists():
        return None
    return refund_create(
        payment_id=payment.pk,
        amount=amount,
        reason=RefundReason.CANCELLATION,
        source_key=f"cancellation:{locator}",
        requested_by=SYSTEM,
    )


def refund_state_apply(*, refund_id: int, state: RefundState, at: datetime | None = None) -> tuple[Refund, bool]:
    """Apply what the provider says about a refund. Terminal states are final; a failed or
    canceled refund gives its amount back to what may still be refunded."""
    with transaction.atomic():
        payment_id = Refund.objects.filter(pk=refund_id).values_list("payment_id", flat=True).get()
        payment = payment_locks.payment_lock_with_booking(pk=payment_id)
        refund = payment_locks.refund_lock(pk=refund_id)
        if state.reference and not refund.provider_reference:
            refund.provider_reference = state.reference
        reversed_ = refund.status == RefundStatus.SUCCEEDED and state.status == RefundStatus.FAILED
        moved = refund_status_moves_forward(refund.status, state.status)
        if not moved:
            refund.save(update_fields=["provider_reference", "updated_at"])
            return refund, False
        refund.status = state.status
        refund.failure_code = state.failure_code
        if state.status == RefundStatus.SUCCEEDED:
            refund.succeeded_at = at or clock.now()
        refund.save()
        if state.status in (RefundStatus.FAILED, RefundStatus.CANCELED):
            Payment.objects.filter(pk=payment.pk).update(amount_refunded=F("amount_refunded") - refund.amount)
            if reversed_:
                logger.warning("refund %s of %s failed after it had succeeded", refund.pk, payment.booking.locator)
        if state.status in REFUND_TERMINAL:
            booking_services.booking_event_record(
                booking=payment.booking,
                kind=f"refund_{state.status}",
                actor_label=SYSTEM,
                detail={"refund_id": refund.pk, "amount": str(refund.amount), "currency": refund.currency},
            )
            outbox.publish(topic=Topic(f"refund.{state.status}"), payload={"refund_id": refund.pk})
    return refund, True


def refund_execute(*, refund_id: int) -> Refund:
    """Ask the provider to carry out a recorded refund (the outbox handler of
    `refund.requested`; safe to run again: the provider call is idempotent)."""
    refund = Refund.objects.select_related("payment__booking").get(pk=refund_id)
    if refund.status != RefundStatus.PENDING or refund.provider_reference:
        return refund
    provider = get_provider(refund.payment.provider)
    try:
        state = provider.refund(
            RefundRequest(
                payment_reference=refund.payment.provider_reference,
                amount=refund.amount,
                currency=refund.currency,
                idempotency_key=refund.provider_idempotency_key,
                metadata={"refund_id": str(refund.pk), "locator": refund.payment.booking.locator},
            )
        )
    except RefundNotAllowed as error:
        state = RefundState(
            reference="",
            payment_reference=refund.payment.provider_reference,
            status=RefundStatus.FAILED,
            amount=refund.amount,
            currency=refund.currency,
            failure_code=str(error.detail)[:60],
        )
    refund, _ = refund_state_apply(refund_id=refund.pk, state=state)
    return refund


def refund_for_state(*, provider: str, state: RefundState) -> Refund | None:
    refund = Refund.objects.filter(payment__provider=provider, provider_reference=state.reference).first()
    if refund is None and state.metadata.get("refund_id", "").isdigit():
        refund = Refund.objects.filter(
            payment__provider=provider, pk=int(state.metadata["refund_id"]), provider_reference=""
        ).first()
    return refund


def provider_refund_adopt(*, provider: str, state: RefundState) -> Refund | None:
    """A refund made at the provider (e.g. in Stripe's dashboard) that we did not ask for:
    record it, so that our books match the money."""
    payment = Payment.objects.filter(provider=provider, provider_reference=state.payment_reference).first()
    if payment is None or state.status in (RefundStatus.FAILED, RefundStatus.CANCELED):
        return None
    with transaction.atomic():
        payment = payment_locks.payment_lock_with_booking(pk=payment.pk)
        refund = refund_record(
            payment=payment,
            amount=min(state.amount, payment.amount - payment.amount_refunded),
            reason=RefundReason.PROVIDER,
            source_key=f"provider:{state.reference}",
            requested_by=f"{provider} dashboard",
        )
        Refund.objects.filter(pk=refund.pk, provider_reference="").update(provider_reference=state.reference)
    refund_state_apply(refund_id=refund.pk, state=state)
    return refund
