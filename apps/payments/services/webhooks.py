"""Provider webhooks: a verified event is stored once by its provider id, in the same
transaction as its effect, which goes through the same settlement and refund rules as any
other news from the provider."""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction

from apps.payments.errors import RefundNotAllowed
from apps.payments.models import Payment, ProviderEvent
from apps.payments.providers import PaymentState, WebhookEvent
from apps.payments.services.refunds import provider_refund_adopt, refund_for_state, refund_state_apply
from apps.payments.services.settlement import payment_state_apply

logger = logging.getLogger(__name__)


def _payment_for_state(*, provider: str, state: PaymentState) -> Payment | None:
    payment = Payment.objects.filter(provider=provider, provider_reference=state.reference).first()
    if payment is None and state.metadata.get("payment_id", "").isdigit():
        # Our own payment whose reference we never learnt (the provider call timed out).
        payment = Payment.objects.filter(
            provider=provider, pk=int(state.metadata["payment_id"]), provider_reference=""
        ).first()
    return payment


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
