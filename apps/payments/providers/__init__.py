"""Payment providers behind one contract; `get_provider()` picks one from settings
(`PAYMENT_PROVIDER`: `stripe` when Stripe keys are set, else `sandbox`)."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from apps.payments.providers.base import (
    ChargeRequest,
    IntentRequest,
    PaymentProvider,
    PaymentState,
    RefundRequest,
    RefundState,
    WebhookEvent,
)

__all__ = [
    "ChargeRequest",
    "IntentRequest",
    "PaymentProvider",
    "PaymentState",
    "RefundRequest",
    "RefundState",
    "WebhookEvent",
    "get_provider",
    "providers_keeping_failed_payments_open",
]

_PROVIDERS = {
    "sandbox": "apps.payments.providers.sandbox.SandboxProvider",
    "stripe": "apps.payments.providers.stripe.StripeProvider",
}


def providers_keeping_failed_payments_open() -> list[str]:
    """Providers where a declined payment stays confirmable by the customer's browser (a
    Stripe PaymentIntent goes back to requires_payment_method)."""
    return [name for name, path in _PROVIDERS.items() if import_string(path).failed_payments_stay_open]


def get_provider(name: str | None = None) -> PaymentProvider:
    key = name or settings.PAYMENT_PROVIDER
    try:
        path = _PROVIDERS[key]
    except KeyError as exc:
        raise LookupError(f"unknown payment provider {key!r}") from exc
    return import_string(path)()
