"""Settlement: applying what the provider says about a payment. Every path goes through
`payment_state_apply` (the provider's answer, a webhook, a retrieve, the next try after a
request died, reconciliation), which locks the booking then the payment, only ever moves
the payment forward, and settles a success: it pays the booking, or the money goes back."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from apps.bookings import services as booking_services
from apps.bookings.errors import HoldExpired
from apps.bookings.models import BookingStatus
from apps.core import clock, outbox
from apps.core.events import Topic
from apps.inventory.errors import SeatUnavailable, SoldOut
from apps.payments import locks as payment_locks
from apps.payments.models import Payment, PaymentStatus, RefundReason
from apps.payments.providers import PaymentState
from apps.payments.services.refunds import refund_record
from apps.payments.services.states import ABANDONED, SYSTEM, UNANSWERED, payment_state_moves_forward


def _settle(*, payment: Payment, actor_label: str) -> str:
    """A payment just succeeded: make it pay its booking, or give the money back.

    Called with the booking and the payment locked. Returns what happened: `confirmed`,
    `reinstated` (the hold had run out but the same seats were still free), or the
    reason of the full refund."""
    booking = payment.booking
    detail = {"payment_id": payment.pk, "amount": str(payment.amount), "currency": payment.currency}
    outcome = ""
    if (payment.amount, payment.currency) != (booking.total_amount, booking.currency):
        # The total changed while the customer paid (a priced seat chosen in another tab):
        # never confirm a booking for less, or more, than its total.
        outcome = RefundReason.AMOUNT_CHANGED
    elif booking.status == BookingStatus.HELD:
        try:
            with transaction.atomic():
                booking_services.booking_confirm(locator=booking.locator, actor_label=actor_label, detail=detail)
            outcome = "confirmed"
        except HoldExpired:
            pass
        booking.refresh_from_db()
    if not outcome and booking.status in (BookingStatus.HELD, BookingStatus.EXPIRED):
        try:
            with transaction.atomic():
                booking_services.booking_reinstate(locator=booking.locator, actor_label=SYSTEM, detail=detail)
                booking_services.booking_confirm(locator=booking.locator, actor_label=actor_label, detail=detail)
            outcome = "reinstated"
        except (SoldOut, SeatUnavailable, HoldExpired):
            outcome = RefundReason.SEATS_RELEASED
        booking.refresh_from_db()
    if outcome in ("confirmed", "reinstated"):
        payment.applied = True
        payment.save(update_fields=["applied", "updated_at"])
        return outcome
    if not outcome:
        outcome = RefundReason.DUPLICATE if booking.status == BookingStatus.CONFIRMED else RefundReason.BOOKING_CLOSED
    booking_services.booking_event_record(
        booking=booking, kind="paid_unmatched", actor_label=SYSTEM, detail=detail | {"reason": outcome}
    )
    refund_record(
        payment=payment,
        amount=payment.amount - payment.amount_refunded,
        reason=outcome,
        source_key=f"unmatched:{payment.pk}",
        requested_by=SYSTEM,
    )
    return outcome


def payment_state_apply(
    *, payment_id: int, state: PaymentState, at: datetime | None = None, actor_label: str = SYSTEM
) -> tuple[Payment, str]:
    """Apply what the provider says about a payment, in one transaction. Never moves a
    payment backwards. Returns the payment and what happened (`""` when nothing did).

    Must be called inside a transaction (the caller's, e.g. with the webhook's event row)
    or opens its own."""
    with transaction.atomic():
        payment = payment_locks.payment_lock_with_booking(pk=payment_id)
        if not payment_state_moves_forward(payment, state, at):
            if state.reference and not payment.provider_reference:
                payment.provider_reference = state.reference
                payment.save(update_fields=["provider_reference", "updated_at"])
            return payment, ""
        payment.status = state.status
        if state.reference and not payment.provider_reference:
            payment.provider_reference = state.reference
        if state.status == PaymentStatus.FAILED or payment.failure_code == UNANSWERED:
            payment.failure_code = state.failure_code
            payment.failure_message = state.failure_message[:300]
        if at is not None:
            payment.provider_updated_at = max(filter(None, [payment.provider_updated_at, at]))
        if state.status == PaymentStatus.SUCCEEDED:
            payment.succeeded_at = clock.now()
        payment.save()
        outcome = state.status
        if state.status == PaymentStatus.FAILED:
            # An attempt the provider never received was no decline: nobody was charged.
            declined = state.failure_code != ABANDONED
            booking_services.booking_event_record(
                booking=payment.booking,
                kind="payment_failed" if declined else "payment_abandoned",
                actor_label=actor_label,
                detail={"payment_id": payment.pk, "reason": state.failure_code},
            )
            if declined:
                outbox.publish(
                    topic=Topic.PAYMENT_FAILED, payload={"payment_id": payment.pk, "locator": payment.booking.locator}
                )
        elif state.status == PaymentStatus.SUCCEEDED:
            outcome = _settle(payment=payment, actor_label=actor_label)
    return payment, outcome
