from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

from apps.accounts.models import User
from apps.bookings import locks as booking_locks
from apps.bookings import selectors as booking_selectors
from apps.bookings import services as booking_services
from apps.bookings.errors import BookingNotPayable, HoldExpired
from apps.bookings.models import Booking, BookingStatus
from apps.core import outbox
from apps.payments.errors import BookingAlreadyPaid, PaymentDeclined, PaymentInProgress
from apps.payments.models import Payment, PaymentStatus
from apps.payments.providers import ChargeRequest, get_provider

logger = logging.getLogger(__name__)


def _payable(booking: Booking) -> None:
    status = booking_selectors.booking_effective_status(booking=booking)
    if status == BookingStatus.CONFIRMED:
        raise BookingAlreadyPaid()
    if status == BookingStatus.EXPIRED:
        raise HoldExpired()
    if status != BookingStatus.HELD:
        raise BookingNotPayable(f"The booking is {status}.")


def _attempt_start(*, booking: Booking, provider_name: str) -> Payment:
    """Record a pending payment, or return the succeeded one whose booking is not yet
    confirmed (a retry after a failure between charging and confirming: never charge twice)."""
    with transaction.atomic(durable=True):
        booking = booking_locks.booking_lock(locator=booking.locator)
        _payable(booking)
        succeeded = booking.payments.filter(status=PaymentStatus.SUCCEEDED).first()
        if succeeded is not None:
            return succeeded
        if booking.payments.filter(status=PaymentStatus.PENDING).exists():
            raise PaymentInProgress()
        return Payment.objects.create(
            booking=booking, provider=provider_name, amount=booking.total_amount, currency=booking.currency
        )


def _confirm(*, payment: Payment, actor_label: str) -> None:
    """Succeeded payment → confirmed booking; if the seats went to someone else meanwhile,
    keep the payment on record and announce it so that it is refunded."""
    detail = {"payment_id": payment.pk, "amount": str(payment.amount), "currency": payment.currency}
    with transaction.atomic(durable=True):
        try:
            with transaction.atomic():
                booking_services.booking_confirm(
                    locator=payment.booking.locator, actor_label=actor_label, detail=detail
                )
        except HoldExpired:
            booking_services.booking_event_record(
                booking=payment.booking, kind="paid_after_release", actor_label=actor_label, detail=detail
            )
            outbox.publish(topic="payment.unmatched", payload={"payment_id": payment.pk})
            released = True
        else:
            released = False
    if released:
        raise HoldExpired("The seats were released before the payment completed; the payment will be refunded.")


def payment_create(
    *,
    locator: str,
    payment_method: str,
    user: User | None,
    guest_locators: Iterable[str] = (),
) -> Payment:
    """Pay a held booking in full. Amount and currency come from the booking.

    No lock is held while the provider is called: (1) under the booking's lock, record a
    pending payment (one at a time per booking); (2) charge, with a provider idempotency
    key derived from that payment; (3) record the result; (4) confirm the booking
    (tickets and the confirmation event). A failure after (3) is healed by calling again:
    step (1) finds the succeeded payment and goes straight to (4), charging nothing.
    Raises PaymentDeclined on a decline."""
    booking = booking_selectors.booking_get(locator=locator, user=user, guest_locators=guest_locators)
    _payable(booking)
    provider = get_provider()
    provider.check_payment_method(payment_method)
    actor_label = user.email if user is not None and user.is_authenticated else "customer (guest)"

    payment = _attempt_start(booking=booking, provider_name=provider.name)
    if payment.status == PaymentStatus.PENDING:
        result = provider.charge(
            ChargeRequest(
                amount=payment.amount,
                currency=payment.currency,
                payment_method=payment_method,
                idempotency_key=f"flightbook-payment-{payment.pk}",
                description=f"Booking {booking.locator}",
                metadata={"locator": booking.locator, "payment_id": str(payment.pk)},
            )
        )
        with transaction.atomic(durable=True):
            payment.status = result.status
            payment.provider_reference = result.reference
            payment.failure_code = result.failure_code
            payment.save(update_fields=["status", "provider_reference", "failure_code", "updated_at"])
            if result.status == PaymentStatus.FAILED:
                booking_services.booking_event_record(
                    booking=booking,
                    kind="payment_failed",
                    actor_label=actor_label,
                    detail={"payment_id": payment.pk, "reason": result.failure_code},
                )
        if result.status == PaymentStatus.FAILED:
            raise PaymentDeclined(result.failure_message or None)
    if payment.status == PaymentStatus.SUCCEEDED:
        _confirm(payment=payment, actor_label=actor_label)
    return payment
