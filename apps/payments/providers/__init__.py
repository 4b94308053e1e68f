"""Payment providers behind one contract; `get_provider()` picks one from settings."""

from __future__ import annotations

from django.conf import settings

from apps.payments.providers.base import ChargeRequest, ChargeResult, PaymentProvider
from apps.payments.providers.sandbox import SandboxProvider

__all__ = ["ChargeRequest", "ChargeResult", "PaymentProvider", "get_provider"]

_PROVIDERS: dict[str, type[PaymentProvider]] = {"sandbox": SandboxProvider}


def get_provider(name: str | None = None) -> PaymentProvider:
    key = name or settings.PAYMENT_PROVIDER
    try:
        return _PROVIDERS[key]()
    except KeyError as exc:
        raise LookupError(f"unknown payment provider {key!r}") from exc
