"""The forward-only rules: what news about a payment or a refund may change. Every path
that learns a state from the provider (its answer, a webhook, a retrieve, the next try
after a request died, reconciliation) asks these before it writes."""

from __future__ import annotations

from datetime import datetime

from apps.payments.models import PAYMENT_TERMINAL, REFUND_TERMINAL, Payment, PaymentStatus, RefundStatus
from apps.payments.providers import PaymentState

SYSTEM = "system"
# failure_code of a pending attempt whose provider call got no answer (resumed by the next try).
UNANSWERED = "provider_unavailable"
# failure_code of an attempt the provider never received (its request died before the call).
ABANDONED = "abandoned"


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


def payment_state_moves_forward(payment: Payment, state: PaymentState, at: datetime | None) -> bool:
    """Forward by status; and short of a final state, news older than what we applied
    last is ignored."""
    if not payment_status_moves_forward(payment.status, state.status):
        return False
    if state.status in PAYMENT_TERMINAL:
        return True
    return not (at is not None and payment.provider_updated_at is not None and at < payment.provider_updated_at)
