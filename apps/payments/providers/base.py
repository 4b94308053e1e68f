from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class ChargeRequest:
    amount: Decimal
    currency: str
    payment_method: str
    idempotency_key: str
    description: str
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChargeResult:
    """`status` is one of PaymentStatus' values."""

    status: str
    reference: str
    failure_code: str = ""
    failure_message: str = ""


class PaymentProvider(Protocol):
    name: str

    def check_payment_method(self, payment_method: str) -> None:
        """Raise PaymentMethodInvalid before anything is recorded if the method cannot work."""
        ...

    def charge(self, request: ChargeRequest) -> ChargeResult:
        """Take the money (or say why not). Called with no database lock held."""
        ...
