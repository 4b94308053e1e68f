"""A local provider that behaves like Stripe's test mode for its test payment methods,
so the whole flow works offline. It never sees a card number: only these ids."""

from __future__ import annotations

import hashlib

from apps.payments.errors import PaymentMethodInvalid
from apps.payments.models import PaymentStatus
from apps.payments.providers.base import ChargeRequest, ChargeResult

TEST_PAYMENT_METHODS = {
    "pm_card_visa": "Visa, succeeds",
    "pm_card_mastercard": "Mastercard, succeeds",
    "pm_card_chargeDeclined": "Declined by the issuer",
    "pm_card_authenticationRequired": "Needs 3-D Secure",
}


class SandboxProvider:
    name = "sandbox"

    def check_payment_method(self, payment_method: str) -> None:
        if payment_method not in TEST_PAYMENT_METHODS:
            raise PaymentMethodInvalid(f"Use one of the sandbox test methods: {', '.join(TEST_PAYMENT_METHODS)}.")

    def charge(self, request: ChargeRequest) -> ChargeResult:
        self.check_payment_method(request.payment_method)
        # Same idempotency key, same reference: a replayed call is the same charge.
        reference = "pi_sandbox_" + hashlib.sha256(request.idempotency_key.encode()).hexdigest()[:24]
        if request.payment_method == "pm_card_chargeDeclined":
            return ChargeResult(
                status=PaymentStatus.FAILED,
                reference=reference,
                failure_code="card_declined",
                failure_message="Your card was declined.",
            )
        if request.payment_method == "pm_card_authenticationRequired":
            return ChargeResult(status=PaymentStatus.REQUIRES_ACTION, reference=reference)
        return ChargeResult(status=PaymentStatus.SUCCEEDED, reference=reference)
