"""Payment attempts: paying a held booking, the Payment Element's intent, the return
from 3-D Secure. Three phases, so that no lock is held while the provider is called:
(1) under the booking's lock, record a pending attempt (one in flight per booking);
(2) call the provider with an idempotency key derived from the attempt; (3) apply the
answer in a new transaction (`settlement.payment_state_apply`)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction

from apps.accounts.models import User
from apps.bookings import locks as booking_locks
from apps.bookings import selectors as booking_selectors
from apps.bookings.errors import BookingNotPayable, HoldExpired
from apps.bookings.models import Booking, BookingStatus
from apps.bookings.selectors import Principal
from apps.core import clock
from apps.payments.errors import (
    BookingAlreadyPaid,
    PaymentDeclined,
    PaymentInProgress,
    PaymentMethodInvalid,
    PaymentProviderUnavailable,
)
from apps.payments.models import PAYMENT_IN_FLIGHT, PAYMENT_TERMINAL, Payment, PaymentStatus
from apps.payments.providers import (
    ChargeRequest,
    IntentRequest,
    PaymentState,
    get_provider,
    providers_keeping_failed_payments_open,
)
from apps.payments.services.settlement import payment_state_apply
from apps.payments.services.states import SYSTEM, UNANSWERED


def _payable(booking: Booking) -> None:
    status = booking_selectors.booking_effective_status(booking=booking)
    if status == BookingStatus.CONFIRMED:
        raise BookingAlreadyPaid()
    if status == BookingStatus.EXPIRED:
        raise HoldExpired()
    if status != BookingStatus.HELD:
        raise BookingNotPayable(f"The booking is {status}.")


def actor_label_of(user: Principal | None) -> str:
    # A partner's API key labels itself `api-key:<prefix>`.
    return user.email if user is not None and user.is_authenticated else "customer (guest)"


def _attempt_start(*, booking: Booking, provider_name: str, payment_method: str) -> Payment:
    """Record a pending payment: one attempt in flight per booking, so a double submit
    cannot charge twice (the partial unique index decides if two race here)."""
    try:
        with transaction.atomic(durable=True):
            booking = booking_locks.booking_lock(locator=booking.locator)
            _payable(booking)
            unanswered = booking.payments.filter(
                status=PaymentStatus.PENDING, provider=provider_name, failure_code=UNANSWERED, payment_method__gt=""
            ).first()
            if unanswered is not None:
                # The provider did not answer last time: send the same request again with
                # the same idempotency key, so that it is charged at most once.
                unanswered.failure_code = ""
                unanswered.save(update_fields=["failure_code", "updated_at"])
                return unanswered
            if booking.payments.filter(status__in=PAYMENT_IN_FLIGHT).exists():
                raise PaymentInProgress()
            return Payment.objects.create(
                booking=booking,
                provider=provider_name,
                amount=booking.total_amount,
                currency=booking.currency,
                payment_method=payment_method,
            )
    except IntegrityError as exc:
        raise PaymentInProgress() from exc


def _abandon_waiting(*, booking: Booking, actor_label: str) -> None:
    """Cancel, at the provider, attempts that wait for the customer (a 3-D Secure
    challenge left open, a card form never sent) so that a new attempt may start. If one
    of them succeeded meanwhile, it pays the booking instead."""
    waiting = booking.payments.filter(status=PaymentStatus.REQUIRES_ACTION) | booking.payments.filter(
        status=PaymentStatus.FAILED, provider__in=providers_keeping_failed_payments_open()
    ).exclude(provider_reference="")
    for payment in waiting:
        provider = get_provider(payment.provider)
        state = provider.cancel(payment.provider_reference) if payment.provider_reference else None
        if state is None:
            state = PaymentState(
                reference="", status=PaymentStatus.CANCELED, amount=payment.amount, currency=payment.currency
            )
        payment_state_apply(payment_id=payment.pk, state=state, at=clock.now(), actor_label=actor_label)


def _attempt_fail(*, payment: Payment, code: str, actor_label: str) -> None:
    state = PaymentState(
        reference="", status=PaymentStatus.FAILED, amount=payment.amount, currency=payment.currency, failure_code=code
    )
    payment_state_apply(payment_id=payment.pk, state=state, actor_label=actor_label)


def payments_abandon(*, locator: str, actor_label: str = SYSTEM) -> None:
    """Cancel every attempt of a booking that still waits for the customer."""
    _abandon_waiting(booking=booking_selectors.booking_get_for_system(locator=locator), actor_label=actor_label)


def _result(payment: Payment, outcome: str) -> Payment:
    """What the customer is told about an attempt that has an answer."""
    if payment.status == PaymentStatus.FAILED:
        raise PaymentDeclined(payment.failure_message or None)
    if payment.status == PaymentStatus.SUCCEEDED and not payment.applied:
        raise HoldExpired(
            "The seats were released before the payment completed and are no longer free; "
            "the payment is refunded in full."
        )
    return payment


def payment_create(
    *,
    locator: str,
    payment_method: str,
    user: Principal | None,
    guest_locators: Iterable[str] = (),
    return_url: str = "",
) -> Payment:
    """Pay a held booking in full with a payment method id. Amount and currency come from
    the booking.

    No lock is held while the provider is called: (1) under the booking's lock, record a
    pending payment (one attempt in flight per booking); (2) charge, with a provider
    idempotency key derived from that payment; (3) apply the answer: a success confirms
    the booking and issues tickets in the same transaction, or re-holds the same seats
    if the hold ran out meanwhile, or refunds in full if they are gone. A payment that
    needs 3-D Secure is returned with status `requires_action`. Raises PaymentDeclined on
    a decline, HoldExpired when paid too late."""
    booking = booking_selectors.booking_get(locator=locator, user=user, guest_locators=guest_locators)
    _payable(booking)
    provider = get_provider()
    provider.check_payment_method(payment_method)
    actor_label = actor_label_of(user)
    _abandon_waiting(booking=booking, actor_label=actor_label)

    payment = _attempt_start(booking=booking, provider_name=provider.name, payment_method=payment_method)
    try:
        state = provider.charge(
            ChargeRequest(
                amount=payment.amount,
                currency=payment.currency,
                payment_method=payment.payment_method,
                idempotency_key=payment.provider_idempotency_key,
                description=f"Booking {booking.locator}",
                metadata={"locator": booking.locator, "payment_id": str(payment.pk)},
                return_url=return_url,
            )
        )
    except PaymentMethodInvalid as error:
        # The provider refused the method before charging (e.g. an unknown id at Stripe).
        _attempt_fail(payment=payment, code="payment_method_invalid", actor_label=actor_label)
        raise error
    except PaymentProviderUnavailable:
        # We do not know whether the charge happened. The attempt stays pending, marked
        # unanswered: the next try sends the very same request (same idempotency key),
        # and a webhook or reconciliation settles it if nobody tries again.
        Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(failure_code=UNANSWERED)
        raise
    payment, outcome = payment_state_apply(payment_id=payment.pk, state=state, actor_label=actor_label)
    if payment.status == PaymentStatus.REQUIRES_ACTION:
        payment.next_action = (
            {"type": "redirect_to_url", "url": state.next_action_url}
            if state.next_action_url
            else {"type": "use_stripe_sdk", "client_secret": state.client_secret}
        )
    return _result(payment, outcome)


def payment_for_page(*, locator: str, user: User | None, guest_locators: Iterable[str] = ()) -> PaymentState:
    """The payment the Stripe Payment Element confirms in the browser: the one already
    waiting for this booking (so reloading the page does not create another), or a new
    one. Returns the provider's state, whose `client_secret` goes to the page."""
    booking = booking_selectors.booking_get(locator=locator, user=user, guest_locators=guest_locators)
    _payable(booking)
    provider = get_provider()
    waiting = booking.payments.filter(
        status=PaymentStatus.REQUIRES_ACTION, provider=provider.name, amount=booking.total_amount
    ).first()
    if waiting is not None and waiting.provider_reference:
        state = provider.retrieve(waiting.provider_reference)
        if state.status == PaymentStatus.REQUIRES_ACTION:
            return state
        payment_state_apply(payment_id=waiting.pk, state=state, at=clock.now())
        _payable(booking_selectors.booking_get_for_system(locator=locator))
    _abandon_waiting(booking=booking, actor_label=actor_label_of(user))
    payment = _attempt_start(booking=booking, provider_name=provider.name, payment_method="")
    try:
        state = provider.intent_create(
            IntentRequest(
                amount=payment.amount,
                currency=payment.currency,
                idempotency_key=payment.provider_idempotency_key,
                description=f"Booking {booking.locator}",
                metadata={"locator": booking.locator, "payment_id": str(payment.pk)},
            )
        )
    except PaymentProviderUnavailable:
        _attempt_fail(payment=payment, code="provider_unavailable", actor_label=SYSTEM)
        raise
    payment_state_apply(payment_id=payment.pk, state=state)
    return state


def payment_refresh(*, payment: Payment, actor_label: str = SYSTEM) -> tuple[Payment, str]:
    """Ask the provider for the payment's state and apply it (the return from 3-D Secure or
    Stripe's redirect: the server-side retrieve confirms, never the browser's word)."""
    if not payment.provider_reference or payment.status in PAYMENT_TERMINAL:
        return payment, ""
    state = get_provider(payment.provider).retrieve(payment.provider_reference)
    return payment_state_apply(payment_id=payment.pk, state=state, at=clock.now(), actor_label=actor_label)


def sandbox_authenticate(*, reference: str, approve: bool, actor_label: str) -> tuple[Payment, str]:
    """The sandbox's 3-D Secure page answered: the sandbox records it, then we retrieve."""
    payment = Payment.objects.select_related("booking").get(provider="sandbox", provider_reference=reference)
    get_provider("sandbox").authenticate(reference, approve=approve)
    return payment_refresh(payment=payment, actor_label=actor_label)
