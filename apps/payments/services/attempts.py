"""Payment attempts: paying a held booking, the Payment Element's intent, the return
from 3-D Secure. Three phases, so that no lock is held while the provider is called:
(1) under the booking's lock, record a pending attempt (one in flight per booking);
(2) call the provider with an idempotency key derived from the attempt; (3) apply the
answer in a new transaction (`settlement.payment_state_apply`).

An attempt carries a lease (PAYMENT_ATTEMPT_LEASE_SECONDS, longer than any provider call)
and the booking's hold is kept at least that long. A request that dies half-way (worker
killed, database lost) leaves a pending attempt whose outcome we do not know; once its
lease has run out, the next try asks the provider by the attempt's id and settles it
(`payment_attempt_resolve`), so the customer is charged at most once and never blocked."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from apps.accounts.models import User
from apps.bookings import locks as booking_locks
from apps.bookings import selectors as booking_selectors
from apps.bookings import services as booking_services
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
from apps.payments.services.states import ABANDONED, SYSTEM, UNANSWERED

logger = logging.getLogger(__name__)


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


def _lease() -> timedelta:
    return timedelta(seconds=settings.PAYMENT_ATTEMPT_LEASE_SECONDS)


def _lease_end(payment: Payment) -> datetime:
    # Attempts recorded before leases existed count from their creation.
    return payment.lease_expires_at or payment.created_at + _lease()


def _in_progress(payment: Payment, now: datetime) -> PaymentInProgress:
    if payment.status != PaymentStatus.PENDING or payment.failure_code == UNANSWERED:
        return PaymentInProgress()
    seconds = max(1, math.ceil((_lease_end(payment) - now).total_seconds()))
    return PaymentInProgress(
        "A payment for this booking is already being processed; "
        f"if it has no result within {seconds} second{'' if seconds == 1 else 's'}, try again."
    )


def _attempt_start(*, booking: Booking, provider_name: str, payment_method: str) -> Payment:
    """Record a pending payment with a fresh lease: one attempt in flight per booking, so a
    double submit cannot charge twice (the partial unique index decides if two race
    here). The hold is kept at least as long as the lease."""
    try:
        with transaction.atomic(durable=True):
            booking = booking_locks.booking_lock(locator=booking.locator)
            _payable(booking)
            now = clock.now()
            lease_end = now + _lease()
            payment = booking.payments.filter(
                status=PaymentStatus.PENDING, provider=provider_name, failure_code=UNANSWERED, payment_method__gt=""
            ).first()
            if payment is not None:
                # The provider did not answer last time: send the same request again with
                # the same idempotency key, so that it is charged at most once.
                payment.failure_code = ""
                payment.lease_expires_at = lease_end
                payment.save(update_fields=["failure_code", "lease_expires_at", "updated_at"])
            else:
                in_flight = booking.payments.filter(status__in=PAYMENT_IN_FLIGHT).first()
                if in_flight is not None:
                    raise _in_progress(in_flight, now)
                payment = Payment.objects.create(
                    booking=booking,
                    provider=provider_name,
                    amount=booking.total_amount,
                    currency=booking.currency,
                    payment_method=payment_method,
                    lease_expires_at=lease_end,
                )
            booking_services.booking_hold_extend(
                booking=booking, until=lease_end, actor_label=SYSTEM, detail={"payment_id": payment.pk}
            )
            return payment
    except IntegrityError as exc:
        raise PaymentInProgress() from exc


def payment_attempt_resolve(*, payment_id: int, actor_label: str = SYSTEM) -> tuple[Payment, str]:
    """Settle, with the provider, a pending attempt whose outcome we do not know (its
    request died between recording it and recording the provider's answer). The provider
    is asked by the attempt's id, which every request carries: what it did is applied
    (a charge pays the booking, or is refunded in full if it cannot); if it never
    received the attempt, the attempt is marked failed (`abandoned`) so that a new one may
    start. Safe to run again, and while the request is still alive: news only moves a
    payment forward. Returns the payment and what happened, as `payment_state_apply`."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.status != PaymentStatus.PENDING:
        return payment, ""
    provider = get_provider(payment.provider)
    if payment.provider_reference:
        state = provider.retrieve(payment.provider_reference)
    else:
        state = provider.payment_find(payment_id=str(payment.pk), created_after=payment.created_at)
    if state is None:
        state = PaymentState(
            reference="",
            status=PaymentStatus.FAILED,
            amount=payment.amount,
            currency=payment.currency,
            failure_code=ABANDONED,
            failure_message="The provider never received this payment.",
        )
    return payment_state_apply(payment_id=payment.pk, state=state, at=clock.now(), actor_label=actor_label)


def payment_attempts_resolve_due(*, limit: int = 100) -> int:
    """The backstop for attempts whose request died and nobody tried again: settle those
    whose lease ran out, or whose provider call got no answer. Returns how many were
    settled; one the provider cannot be asked about now is left for the next run."""
    now = clock.now()
    due = (
        Payment.objects.filter(status=PaymentStatus.PENDING)
        .filter(
            Q(failure_code=UNANSWERED)
            | Q(lease_expires_at__lte=now)
            | Q(lease_expires_at__isnull=True, created_at__lte=now - _lease())
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    settled = 0
    for payment_id in list(due):
        try:
            payment_attempt_resolve(payment_id=payment_id)
        except PaymentProviderUnavailable:
            logger.warning("payment %s: the provider could not be asked about it; left for the next run", payment_id)
            continue
        settled += 1
    return settled


def _attempts_settle(*, booking: Booking, provider_name: str, actor_label: str) -> Payment | None:
    """Before a new try: settle the booking's attempts whose request died. Returns the one
    that turned out to have paid the booking, if any."""
    now = clock.now()
    paid = None
    for payment in booking.payments.filter(status=PaymentStatus.PENDING).order_by("created_at", "pk"):
        resumable = payment.failure_code == UNANSWERED and payment.payment_method and payment.provider == provider_name
        if resumable or (payment.failure_code != UNANSWERED and _lease_end(payment) > now):
            continue  # resumed by _attempt_start, or its request may still be calling the provider
        payment, _ = payment_attempt_resolve(payment_id=payment.pk, actor_label=actor_label)
        if payment.applied:
            paid = payment
    return paid


def _provider_metadata(*, booking: Booking, payment: Payment) -> dict[str, str]:
    """What both providers carry for us: how an attempt whose answer was lost is found again."""
    return {"locator": booking.locator, "payment_id": str(payment.pk)}


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
    provider = get_provider()
    actor_label = actor_label_of(user)
    # An earlier try whose request died may have paid already: then that is the answer.
    paid = _attempts_settle(booking=booking, provider_name=provider.name, actor_label=actor_label)
    if paid is not None:
        return paid
    booking.refresh_from_db()
    _payable(booking)
    provider.check_payment_method(payment_method)
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
                metadata=_provider_metadata(booking=booking, payment=payment),
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
    provider = get_provider()
    _attempts_settle(booking=booking, provider_name=provider.name, actor_label=actor_label_of(user))
    booking.refresh_from_db()
    _payable(booking)
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
                metadata=_provider_metadata(booking=booking, payment=payment),
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
