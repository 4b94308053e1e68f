"""Payments and refunds. Money moves only through a provider (`providers/`), never while
a database lock is held; every state we learn from the provider (its answer, a webhook,
a server-side retrieve, reconciliation) goes through `payment_state_apply` or
`refund_state_apply`, which only ever move a record forward.

Lock order: booking, then payment, then refund, then inventory (fare classes, seats)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from apps.accounts.models import User
from apps.bookings import locks as booking_locks
from apps.bookings import selectors as booking_selectors
from apps.bookings import services as booking_services
from apps.bookings.errors import BookingNotPayable, HoldExpired
from apps.bookings.models import Booking, BookingStatus
from apps.bookings.selectors import Principal
from apps.core import clock, outbox
from apps.core.audit import audit_record
from apps.core.money import quantize
from apps.inventory.errors import SeatUnavailable, SoldOut
from apps.payments import locks as payment_locks
from apps.payments.errors import (
    BookingAlreadyPaid,
    PaymentDeclined,
    PaymentInProgress,
    PaymentMethodInvalid,
    PaymentProviderUnavailable,
    RefundNotAllowed,
)
from apps.payments.models import (
    PAYMENT_IN_FLIGHT,
    PAYMENT_TERMINAL,
    REFUND_TERMINAL,
    Payment,
    PaymentStatus,
    ProviderEvent,
    Refund,
    RefundReason,
    RefundStatus,
)
from apps.payments.providers import (
    ChargeRequest,
    IntentRequest,
    PaymentState,
    RefundRequest,
    RefundState,
    WebhookEvent,
    get_provider,
    providers_keeping_failed_payments_open,
)

logger = logging.getLogger(__name__)

SYSTEM = "system"
# failure_code of a pending attempt whose provider call got no answer (resumed by the next try).
UNANSWERED = "provider_unavailable"


# --- reading --------------------------------------------------------------------------------


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


# --- moving a payment forward -----------------------------------------------------------------


def payment_status_moves_forward(current: str, new: str) -> bool:
    """Terminal states are final; success and cancellation win over anything else; a
    failed attempt is over for us (the customer retries with a new one)."""
    if current in PAYMENT_TERMINAL or new == current:
        return False
    return new in PAYMENT_TERMINAL or current != PaymentStatus.FAILED


def refund_status_moves_forward(current: str, new: str) -> bool:
    """Terminal states are final, but for one: a card refund reported succeeded may fail
    later (the card was closed), and the money is then still ours to give back."""
    if new == current:
        return False
    if current == RefundStatus.SUCCEEDED and new == RefundStatus.FAILED:
        return True
    return current not in REFUND_TERMINAL


def _moves_forward(payment: Payment, state: PaymentState, at: datetime | None) -> bool:
    """Forward by status; and short of a final state, news older than what we applied
    last is ignored."""
    if not payment_status_moves_forward(payment.status, state.status):
        return False
    if state.status in PAYMENT_TERMINAL:
        return True
    return not (at is not None and payment.provider_updated_at is not None and at < payment.provider_updated_at)


def _refund_record(
    *,
    payment: Payment,
    amount: Decimal,
    reason: str,
    source_key: str,
    requested_by: str,
    note: str = "",
    audit: dict[str, Any] | None = None,
) -> Refund:
    """Record a refund to be carried out by the provider (through the outbox). The payment
    row must be locked by the caller. A source asks at most once: the same key returns
    the refund already recorded."""
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
    outbox.publish(topic="refund.requested", payload={"refund_id": refund.pk})
    return refund


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
    _refund_record(
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
        if not _moves_forward(payment, state, at):
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
            booking_services.booking_event_record(
                booking=payment.booking,
                kind="payment_failed",
                actor_label=actor_label,
                detail={"payment_id": payment.pk, "reason": state.failure_code},
            )
        elif state.status == PaymentStatus.SUCCEEDED:
            outcome = _settle(payment=payment, actor_label=actor_label)
    return payment, outcome


# --- paying -------------------------------------------------------------------------------------


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


# --- refunds -------------------------------------------------------------------------------------


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
        return _refund_record(
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
        refund = _refund_record(
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
            outbox.publish(topic=f"refund.{state.status}", payload={"refund_id": refund.pk})
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


# --- webhooks ------------------------------------------------------------------------------------


def _payment_for_state(*, provider: str, state: PaymentState) -> Payment | None:
    payment = Payment.objects.filter(provider=provider, provider_reference=state.reference).first()
    if payment is None and state.metadata.get("payment_id", "").isdigit():
        # Our own payment whose reference we never learnt (the provider call timed out).
        payment = Payment.objects.filter(
            provider=provider, pk=int(state.metadata["payment_id"]), provider_reference=""
        ).first()
    return payment


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
        refund = _refund_record(
            payment=payment,
            amount=min(state.amount, payment.amount - payment.amount_refunded),
            reason=RefundReason.PROVIDER,
            source_key=f"provider:{state.reference}",
            requested_by=f"{provider} dashboard",
        )
        Refund.objects.filter(pk=refund.pk, provider_reference="").update(provider_reference=state.reference)
    refund_state_apply(refund_id=refund.pk, state=state)
    return refund


def webhook_event_apply(*, provider: str, event: WebhookEvent) -> tuple[bool, str]:
    """Store a verified provider event once by its id and apply it, in one transaction.
    Returns (new, outcome); a replayed event is (False, "duplicate") and changes nothing."""
    try:
        with transaction.atomic():
            stored = ProviderEvent.objects.create(
                provider=provider,
                event_id=event.id,
                type=event.type,
                created=event.created,
                payload=_without_secrets(event.payload),
            )
            outcome = _event_effect(provider=provider, event=event)
            stored.outcome = outcome[:200]
            stored.save(update_fields=["outcome"])
    except IntegrityError:
        if ProviderEvent.objects.filter(provider=provider, event_id=event.id).exists():
            return False, "duplicate"
        raise
    return True, outcome


_SECRET_KEYS = frozenset({"client_secret", "next_action"})


def _without_secrets(value: Any) -> Any:
    """The event as stored: a PaymentIntent's client secret (also inside its next action's
    redirect URL) lets its holder confirm it."""
    if isinstance(value, dict):
        return {key: _without_secrets(item) for key, item in value.items() if key not in _SECRET_KEYS}
    if isinstance(value, list):
        return [_without_secrets(item) for item in value]
    return value


def _event_effect(*, provider: str, event: WebhookEvent) -> str:
    if event.payment is not None:
        payment = _payment_for_state(provider=provider, state=event.payment)
        if payment is None:
            return "ignored: not our payment"
        _, outcome = payment_state_apply(payment_id=payment.pk, state=event.payment, at=event.created)
        return f"payment {payment.pk}: {outcome or 'no change'}"
    if event.refund is not None:
        refund = refund_for_state(provider=provider, state=event.refund)
        if refund is None:
            try:
                adopted = provider_refund_adopt(provider=provider, state=event.refund)
            except RefundNotAllowed as error:
                # More refunded at the provider than we can book against the payment:
                # acknowledged here, reported by reconciliation for a person to look at.
                logger.warning("refund %s at %s not recorded: %s", event.refund.reference, provider, error.detail)
                return f"needs attention: {error.detail}"
            return f"refund {adopted.pk}: adopted" if adopted else "ignored: not our refund"
        _, moved = refund_state_apply(refund_id=refund.pk, state=event.refund, at=event.created)
        return f"refund {refund.pk}: {refund.status if moved else 'no change'}"
    return "ignored: type not handled"
