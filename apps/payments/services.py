from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

from apps.accounts.models import User
from apps.bookings import selectors as booking_selectors
from apps.bookings import services as booking_services
from apps.bookings.errors import BookingNotPayable, HoldExpired
from apps.bookings.models import BookingStatus
from apps.core import outbox
from apps.payments.errors import BookingAlreadyPaid, PaymentDeclined
from apps.payments.models import Payment, PaymentStatus
from apps.payments.providers import ChargeRequest, get_provider

logger = logging.getLogger(__name__)


def payment_create(
    *,
    locator: str,
    payment_method: str,
    user: User | None,
    guest_locators: Iterable[str] = (),
    idempotency_key: str = "",
) -> Payment:
    """Pay a held booking in full. Amount and currency come from the booking.

    Three steps, so that no lock is held while the provider is called: record the
    attempt; charge; then, in one transaction, record the result and confirm the
    booking (tickets and the confirmation event). Raises PaymentDeclined on a decline."""
    booking = booking_selectors.booking_get(locator=locator, user=user, guest_locators=guest_locators)
    status = booking_selectors.booking_effective_status(booking=booking)
    if status == BookingStatus.CONFIRMED:
        raise BookingAlreadyPaid()
    if status == BookingStatus.EXPIRED:
        raise HoldExpired()
    if status != BookingStatus.HELD:
        raise BookingNotPayable(f"The booking is {status}.")

    provider = get_provider()
    with transaction.atomic(durable=True):
        payment = Payment.objects.create(
            booking=booking, provider=provider.name, amount=booking.total_amount, currency=booking.currency
        )
    result = provider.charge(
        ChargeRequest(
            amount=payment.amount,
            currency=payment.currency,
            payment_method=payment_method,
            idempotency_key=f"flightbook-payment-{idempotency_key or payment.pk}",
            description=f"Booking {booking.locator}",
            metadata={"locator": booking.locator, "payment_id": str(payment.pk)},
        )
    )
    released = False
    actor_label = user.email if user is not None and user.is_authenticated else "customer (guest)"
    with transaction.atomic(durable=True):
        payment.status = result.status
        payment.provider_reference = result.reference
        payment.failure_code = result.failure_code
        payment.save(update_fields=["status", "provider_reference", "failure_code", "updated_at"])
        detail = {"payment_id": payment.pk, "amount": str(payment.amount), "currency": payment.currency}
        if result.status == PaymentStatus.SUCCEEDED:
            try:
                with transaction.atomic():
                    booking_services.booking_confirm(locator=booking.locator, actor_label=actor_label, detail=detail)
            except HoldExpired:
                # Paid after the seats went to someone else: keep the payment on record and
                # announce it, so that a refund follows through the outbox.
                released = True
                booking_services.booking_event_record(
                    booking=booking, kind="paid_after_release", actor_label=actor_label, detail=detail
                )
                outbox.publish(topic="payment.unmatched", payload={"payment_id": payment.pk})
        elif result.status == PaymentStatus.FAILED:
            booking_services.booking_event_record(
                booking=booking,
                kind="payment_failed",
                actor_label=actor_label,
                detail={**detail, "reason": result.failure_code},
            )
    if result.status == PaymentStatus.FAILED:
        raise PaymentDeclined(result.failure_message or None)
    if released:
        raise HoldExpired("The seats were released before the payment completed; the payment will be refunded.")
    return payment
