"""The row locks of payments: a payment after its booking, a refund after its payment
(the global order and `lock_timeout` are in `apps.core.locks`)."""

from __future__ import annotations

from apps.bookings import locks as booking_locks
from apps.core.locks import lock_timeout
from apps.payments.models import Payment, Refund


def payment_lock_with_booking(*, pk: int) -> Payment:
    """Lock a payment's booking, then the payment: the order every payment write keeps."""
    locator = Payment.objects.filter(pk=pk).values_list("booking__locator", flat=True).get()
    booking_locks.booking_lock(locator=locator)
    return payment_lock(pk=pk)


def payment_lock(*, pk: int) -> Payment:
    """Lock a payment row (only it: the caller has locked its booking first)."""
    with lock_timeout():
        return Payment.objects.select_for_update(of=("self",)).select_related("booking").get(pk=pk)


def refund_lock(*, pk: int) -> Refund:
    with lock_timeout():
        return Refund.objects.select_for_update().get(pk=pk)
