"""Payments and refunds, one module per seam:

- `attempts`: paying a held booking (record the attempt, call the provider with no lock
  held, apply the answer), and settling an attempt whose request died half-way;
- `settlement`: `payment_state_apply`, the one way news about a payment is applied;
- `refunds`: recording refunds, carrying them out, applying the provider's news of them;
- `webhooks`: provider events, stored once with their effect;
- `states`: the forward-only rules every path above asks first.

Money moves only through a provider (`apps.payments.providers`), never while a database
lock is held. Lock order: booking, then payment, then refund, then inventory (see
`apps.core.locks`). Callers import the public names from here."""

from apps.payments.services.attempts import (
    actor_label_of,
    payment_attempt_resolve,
    payment_attempts_resolve_due,
    payment_create,
    payment_for_page,
    payment_refresh,
    payments_abandon,
    sandbox_authenticate,
)
from apps.payments.services.refunds import (
    booking_cancellation_refund,
    provider_refund_adopt,
    refund_allowance,
    refund_by_staff,
    refund_create,
    refund_execute,
    refund_for_state,
    refund_state_apply,
)
from apps.payments.services.settlement import payment_state_apply
from apps.payments.services.states import (
    SYSTEM,
    payment_status_moves_forward,
    refund_status_moves_forward,
)
from apps.payments.services.webhooks import webhook_event_apply

__all__ = [
    "SYSTEM",
    "actor_label_of",
    "booking_cancellation_refund",
    "payment_attempt_resolve",
    "payment_attempts_resolve_due",
    "payment_create",
    "payment_for_page",
    "payment_refresh",
    "payment_state_apply",
    "payment_status_moves_forward",
    "payments_abandon",
    "provider_refund_adopt",
    "refund_allowance",
    "refund_by_staff",
    "refund_create",
    "refund_execute",
    "refund_for_state",
    "refund_state_apply",
    "refund_status_moves_forward",
    "sandbox_authenticate",
    "webhook_event_apply",
]
