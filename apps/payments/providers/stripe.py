"""Stripe behind the provider contract: PaymentIntents and Refunds through the official
SDK (`stripe.StripeClient`), webhooks verified with the SDK's signature check.

Amounts go to Stripe in the currency's minor units (`apps.core.money.minor_units`) and
come back as `Decimal`; statuses are mapped onto `PaymentStatus` and `RefundStatus`.
Every SDK object is turned into a plain dict (`to_dict()`) before it is mapped, so the
same mapping reads API answers, error bodies and webhook payloads."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings

from apps.core.errors import DomainError
from apps.core.money import minor_units, quantize
from apps.payments.errors import PaymentMethodInvalid, PaymentProviderUnavailable, RefundNotAllowed, WebhookInvalid
from apps.payments.models import PaymentStatus, RefundStatus
from apps.payments.providers.base import (
    ChargeRequest,
    IntentRequest,
    PaymentState,
    RefundRequest,
    RefundState,
    WebhookEvent,
)

logger = logging.getLogger(__name__)

# Stripe's payment method ids: `pm_` and letters, digits or underscores (test ids such as
# `pm_card_visa` included). Anything else would only come back as a 400 after a round trip.
_PAYMENT_METHOD_ID = re.compile(r"^pm_[A-Za-z0-9_]{1,250}$")

_PAYMENT_STATUSES = {
    "succeeded": PaymentStatus.SUCCEEDED,
    "canceled": PaymentStatus.CANCELED,
    "requires_action": PaymentStatus.REQUIRES_ACTION,
    "requires_confirmation": PaymentStatus.PENDING,
    "processing": PaymentStatus.PENDING,
    "requires_capture": PaymentStatus.PENDING,
}

_REFUND_STATUSES = {
    "pending": RefundStatus.PENDING,
    "requires_action": RefundStatus.PENDING,
    "succeeded": RefundStatus.SUCCEEDED,
    "failed": RefundStatus.FAILED,
    "canceled": RefundStatus.CANCELED,
}

# Event types whose `data.object` is a refund (`charge.refund.updated` is the older name).
_REFUND_EVENT_PREFIXES = ("refund.", "charge.refund.")

_LIST_PAGE_SIZE = 100
MAX_NETWORK_RETRIES = 2
# Our attempt is recorded just before Stripe creates its PaymentIntent; clocks differ a little.
_CLOCK_SKEW = timedelta(minutes=5)

# Stripe's error codes for a refund that can never be made (as opposed to a passing fault).
_REFUND_REFUSALS = frozenset(
    {"charge_already_refunded", "amount_too_large", "charge_disputed", "payment_intent_unexpected_state"}
)


class StripeProvider:
    name = "stripe"
    failed_payments_stay_open = True

    def __init__(self) -> None:
        self._client = stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            base_addresses={"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None,
            # The SDK retries connection errors, 409 and 5xx with the same idempotency key.
            max_network_retries=MAX_NETWORK_RETRIES,
            # A call ends within (1 + retries) timeouts: shorter than a payment attempt's lease.
            http_client=stripe.new_default_http_client(timeout=settings.STRIPE_TIMEOUT_SECONDS),
        )
        self._webhook_secret = settings.STRIPE_WEBHOOK_SECRET
        self._webhook_tolerance = settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS

    def check_payment_method(self, payment_method: str) -> None:
        if not _PAYMENT_METHOD_ID.match(payment_method or ""):
            raise PaymentMethodInvalid("Send a Stripe payment method id (pm_...), never card details.")

    def charge(self, request: ChargeRequest) -> PaymentState:
        self.check_payment_method(request.payment_method)
        params: dict[str, Any] = {
            "amount": to_minor_units(request.amount, request.currency),
            "currency": request.currency.lower(),
            "payment_method": request.payment_method,
            "confirm": True,
            "description": request.description,
            "metadata": dict(request.metadata),
        }
        if request.return_url:
            params["automatic_payment_methods"] = {"enabled": True}
            params["return_url"] = request.return_url
        else:
            # Without a page to come back to, methods that redirect (3-D Secure aside) cannot work.
            params["automatic_payment_methods"] = {"enabled": True, "allow_redirects": "never"}
        try:
            intent = self._client.v1.payment_intents.create(
                params,
                {"idempotency_key": request.idempotency_key},
            )
        except stripe.CardError as exc:
            return _declined_state(exc)
        except stripe.StripeError as exc:
            raise _provider_error(exc, "charge") from exc
        return payment_state(intent.to_dict())

    def intent_create(self, request: IntentRequest) -> PaymentState:
        params: dict[str, Any] = {
            "amount": to_minor_units(request.amount, request.currency),
            "currency": request.currency.lower(),
            "description": request.description,
            "metadata": dict(request.metadata),
            "automatic_payment_methods": {"enabled": True},
        }
        try:
            intent = self._client.v1.payment_intents.create(
                params,
                {"idempotency_key": request.idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _provider_error(exc, "intent_create") from exc
        return payment_state(intent.to_dict())

    def retrieve(self, reference: str) -> PaymentState:
        try:
            intent = self._client.v1.payment_intents.retrieve(reference)
        except stripe.StripeError as exc:
            raise _provider_error(exc, "retrieve") from exc
        return payment_state(intent.to_dict())

    def payment_find(self, *, payment_id: str, created_after: datetime) -> PaymentState | None:
        """Search by our `payment_id` metadata first. Stripe's search index trails writes
        (under a minute normally, longer in an outage), and some accounts have no search,
        so a miss is confirmed against the list of PaymentIntents created since the
        attempt, which is read-after-write."""
        if not payment_id.isdigit():
            raise ValueError(f"not a payment id: {payment_id!r}")
        try:
            found = self._client.v1.payment_intents.search(
                {"query": f"metadata['payment_id']:'{payment_id}'", "limit": 10}
            ).data
        except stripe.InvalidRequestError as exc:
            logger.warning("Stripe search unavailable (%s); listing PaymentIntents instead", exc.code)
            found = []
        except stripe.StripeError as exc:
            raise _provider_error(exc, "payment_find") from exc
        for intent in found:
            if _metadata(intent.to_dict()).get("payment_id") == payment_id:
                return payment_state(intent.to_dict())
        try:
            since = int((created_after - _CLOCK_SKEW).timestamp())
            listed = self._client.v1.payment_intents.list({"created": {"gte": since}, "limit": _LIST_PAGE_SIZE})
            for intent in listed.auto_paging_iter():
                if _metadata(intent.to_dict()).get("payment_id") == payment_id:
                    return payment_state(intent.to_dict())
        except stripe.StripeError as exc:
            raise _provider_error(exc, "payment_find") from exc
        return None

    def cancel(self, reference: str) -> PaymentState:
        try:
            intent = self._client.v1.payment_intents.cancel(reference)
        except stripe.InvalidRequestError as exc:
            # Stripe refuses to cancel a PaymentIntent that succeeded (or was canceled)
            # meanwhile: what it is now is the answer.
            if exc.code == "payment_intent_unexpected_state":
                return self.retrieve(reference)
            raise _provider_error(exc, "cancel") from exc
        except stripe.StripeError as exc:
            raise _provider_error(exc, "cancel") from exc
        return payment_state(intent.to_dict())

    def refund(self, request: RefundRequest) -> RefundState:
        params: dict[str, Any] = {
            "payment_intent": request.payment_reference,
            "amount": to_minor_units(request.amount, request.currency),
            "metadata": dict(request.metadata),
        }
        try:
            refund = self._client.v1.refunds.create(
                params,
                {"idempotency_key": request.idempotency_key},
            )
        except stripe.InvalidRequestError as exc:
            if exc.http_status == 400 and exc.code in _REFUND_REFUSALS:
                # Stripe will never do this refund (already refunded, too large, disputed):
                # the caller marks it failed instead of retrying forever.
                raise RefundNotAllowed(exc.code) from exc
            raise _provider_error(exc, "refund") from exc
        except stripe.StripeError as exc:
            raise _provider_error(exc, "refund") from exc
        return refund_state(refund.to_dict())

    def retrieve_refund(self, reference: str) -> RefundState:
        try:
            refund = self._client.v1.refunds.retrieve(reference)
        except stripe.StripeError as exc:
            raise _provider_error(exc, "retrieve_refund") from exc
        return refund_state(refund.to_dict())

    def payments_between(self, start: datetime, end: datetime) -> Iterator[PaymentState]:
        params: dict[str, Any] = {"created": _created_range(start, end), "limit": _LIST_PAGE_SIZE}
        try:
            for intent in self._client.v1.payment_intents.list(params).auto_paging_iter():
                yield payment_state(intent.to_dict())
        except stripe.StripeError as exc:
            raise _provider_error(exc, "payments_between") from exc

    def refunds_between(self, start: datetime, end: datetime) -> Iterator[RefundState]:
        params: dict[str, Any] = {"created": _created_range(start, end), "limit": _LIST_PAGE_SIZE}
        try:
            for refund in self._client.v1.refunds.list(params).auto_paging_iter():
                yield refund_state(refund.to_dict())
        except stripe.StripeError as exc:
            raise _provider_error(exc, "refunds_between") from exc

    def webhook_event(self, payload: bytes, signature: str) -> WebhookEvent:
        try:
            event = self._client.construct_event(payload, signature, self._webhook_secret, self._webhook_tolerance)
        except stripe.SignatureVerificationError as exc:
            raise WebhookInvalid() from exc
        except ValueError as exc:  # the body is not UTF-8 JSON
            raise WebhookInvalid() from exc
        body = event.to_dict(for_json=True)
        if not isinstance(body.get("id"), str) or not isinstance(body.get("created"), int):
            raise WebhookInvalid("The event has no id or creation time.")
        event_type = body.get("type") or ""
        obj = (body.get("data") or {}).get("object") or {}
        payment = refund = None
        if event_type.startswith("payment_intent.") and obj.get("object") == "payment_intent":
            payment = payment_state(obj)
        elif event_type.startswith(_REFUND_EVENT_PREFIXES) and obj.get("object") == "refund":
            refund = refund_state(obj)
        return WebhookEvent(
            id=body["id"],
            type=event_type,
            created=_from_epoch(body["created"]),
            payment=payment,
            refund=refund,
            payload=body,
        )


def to_minor_units(amount: Decimal, currency: str) -> int:
    """`amount` as Stripe's integer in the currency's smallest unit (12.34 EUR → 1234,
    1500 JPY → 1500). Refuses an amount with more decimals than the currency has."""
    exact = quantize(amount, currency)
    if exact != amount:
        raise ValueError(f"{amount} {currency} has more decimal places than the currency allows")
    return int(exact.scaleb(minor_units(currency)))


def from_minor_units(value: int, currency: str) -> Decimal:
    return quantize(Decimal(value).scaleb(-minor_units(currency)), currency)


def payment_state(intent: dict[str, Any]) -> PaymentState:
    """Our view of a Stripe PaymentIntent (a plain dict, as the API or a webhook sent it)."""
    error = intent.get("last_payment_error") or {}
    stripe_status = intent.get("status") or ""
    if stripe_status == "requires_payment_method":
        # Stripe puts a declined PaymentIntent back to waiting for a new card; without an
        # error it is a fresh one whose card form has not been submitted yet.
        status = PaymentStatus.FAILED if error else PaymentStatus.REQUIRES_ACTION
    else:
        status = _PAYMENT_STATUSES.get(stripe_status, PaymentStatus.PENDING)
    currency = str(intent["currency"]).upper()
    redirect = (intent.get("next_action") or {}).get("redirect_to_url") or {}
    return PaymentState(
        reference=intent["id"],
        status=status,
        amount=from_minor_units(intent["amount"], currency),
        currency=currency,
        failure_code=(error.get("decline_code") or error.get("code") or "") if error else "",
        failure_message=(error.get("message") or "") if error else "",
        client_secret=intent.get("client_secret") or "",
        next_action_url=redirect.get("url") or "",
        metadata=_metadata(intent),
        created=_from_epoch(intent["created"]) if intent.get("created") else None,
    )


def refund_state(refund: dict[str, Any]) -> RefundState:
    """Our view of a Stripe Refund (a plain dict)."""
    currency = str(refund["currency"]).upper()
    payment_intent = refund.get("payment_intent") or ""
    if isinstance(payment_intent, dict):  # expanded
        payment_intent = payment_intent.get("id") or ""
    return RefundState(
        reference=refund["id"],
        payment_reference=payment_intent,
        status=_REFUND_STATUSES.get(refund.get("status") or "", RefundStatus.PENDING),
        amount=from_minor_units(refund["amount"], currency),
        currency=currency,
        failure_code=refund.get("failure_reason") or "",
        metadata=_metadata(refund),
        created=_from_epoch(refund["created"]) if refund.get("created") else None,
    )


def _declined_state(exc: stripe.CardError) -> PaymentState:
    """A 402 from PaymentIntent create: the card was declined. The error body carries the
    PaymentIntent Stripe created (now waiting for another card), which is the record."""
    body = exc.json_body if isinstance(exc.json_body, dict) else {}
    error = body.get("error") or {}
    intent = error.get("payment_intent")
    if not isinstance(intent, dict):
        # No PaymentIntent was created, so there is nothing to record: the method itself is unusable.
        raise PaymentMethodInvalid(error.get("message") or None) from exc
    state = payment_state(intent)
    return PaymentState(
        reference=state.reference,
        status=PaymentStatus.FAILED,
        amount=state.amount,
        currency=state.currency,
        failure_code=error.get("decline_code") or error.get("code") or "card_declined",
        failure_message=error.get("message") or "",
        metadata=state.metadata,
        created=state.created,
    )


def _provider_error(exc: stripe.StripeError, action: str) -> DomainError:
    """Stripe said something other than a decline: unreachable, 5xx, authentication, rate
    limit, or a request it refused. Only a refused payment method is the customer's to fix."""
    if isinstance(exc, stripe.InvalidRequestError) and exc.param == "payment_method":
        return PaymentMethodInvalid(exc.user_message or None)
    logger.warning(
        "Stripe %s failed: %s (HTTP %s, code %s, request %s)",
        action,
        type(exc).__name__,
        exc.http_status,
        exc.code,
        exc.request_id,
    )
    return PaymentProviderUnavailable()


def _created_range(start: datetime, end: datetime) -> dict[str, int]:
    return {"gte": int(start.timestamp()), "lt": int(end.timestamp())}


def _from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(int(seconds), tz=UTC)


def _metadata(obj: dict[str, Any]) -> dict[str, str]:
    return {str(key): str(value) for key, value in (obj.get("metadata") or {}).items()}
