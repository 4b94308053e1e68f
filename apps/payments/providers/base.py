"""The contract every payment provider meets. Services speak only this; the provider
translates to its own API (Stripe's PaymentIntents and Refunds, or the local sandbox).

Amounts cross this boundary as `Decimal` with an ISO 4217 currency in upper case;
providers convert to their own units. Statuses are the values of `PaymentStatus` and
`RefundStatus` in `apps.payments.models`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol


@dataclass(frozen=True)
class ChargeRequest:
    """Create and confirm a payment with a payment method the client already has (an id
    such as `pm_card_visa`, never card data)."""

    amount: Decimal
    currency: str
    payment_method: str
    idempotency_key: str
    description: str
    metadata: dict[str, str] = field(default_factory=dict)
    return_url: str = ""


@dataclass(frozen=True)
class IntentRequest:
    """Create a payment the customer's browser will confirm (Stripe's Payment Element)."""

    amount: Decimal
    currency: str
    idempotency_key: str
    description: str
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentState:
    """What the provider says about one payment, now."""

    reference: str
    status: str
    amount: Decimal
    currency: str
    failure_code: str = ""
    failure_message: str = ""
    client_secret: str = ""
    next_action_url: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    created: datetime | None = None


@dataclass(frozen=True)
class RefundRequest:
    payment_reference: str
    amount: Decimal
    currency: str
    idempotency_key: str
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RefundState:
    reference: str
    payment_reference: str
    status: str
    amount: Decimal
    currency: str
    failure_code: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    created: datetime | None = None


@dataclass(frozen=True)
class WebhookEvent:
    """A verified provider event, reduced to what we act on. Exactly one of `payment` and
    `refund` is set for the types we handle; both are None for the others."""

    id: str
    type: str
    created: datetime
    payment: PaymentState | None = None
    refund: RefundState | None = None
    payload: dict[str, Any] = field(default_factory=dict)


class PaymentProvider(Protocol):
    name: str
    # A declined payment can still be confirmed later by the customer's browser, so a new
    # attempt cancels it first.
    failed_payments_stay_open: bool

    def check_payment_method(self, payment_method: str) -> None:
        """Raise PaymentMethodInvalid before anything is recorded if the method cannot work."""
        ...

    def charge(self, request: ChargeRequest) -> PaymentState:
        """Take the money (or say why not). A decline is a FAILED state, not an exception.
        Called with no database lock held; the same idempotency key is the same charge."""
        ...

    def intent_create(self, request: IntentRequest) -> PaymentState:
        """A payment for the browser to confirm; its `client_secret` goes to the page."""
        ...

    def retrieve(self, reference: str) -> PaymentState: ...

    def payment_find(self, *, payment_id: str, created_after: datetime) -> PaymentState | None:
        """The payment the provider holds for our attempt `payment_id` (every request
        carries it in its metadata), or None if it holds none. Read-after-write: None
        means the provider never received the attempt (made no earlier than
        `created_after`), so a new one cannot charge twice."""
        ...

    def cancel(self, reference: str) -> PaymentState:
        """Cancel a payment still awaiting the customer. If it succeeded meanwhile, the
        succeeded state is returned instead."""
        ...

    def refund(self, request: RefundRequest) -> RefundState: ...

    def retrieve_refund(self, reference: str) -> RefundState: ...

    def payments_between(self, start: datetime, end: datetime) -> Iterator[PaymentState]:
        """Every payment the provider created in [start, end), for reconciliation."""
        ...

    def refunds_between(self, start: datetime, end: datetime) -> Iterator[RefundState]: ...

    def webhook_event(self, payload: bytes, signature: str) -> WebhookEvent:
        """Verify and parse a webhook delivery; raise WebhookInvalid if it is not genuine
        or older than the tolerance."""
        ...
