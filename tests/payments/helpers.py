"""What the payments tests share: a held booking, paying it (through the service or the API),
an agent's refund, a charge the bank took that we never recorded, a Stripe webhook delivered."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.bookings import services as booking_services
from apps.bookings.models import Booking
from apps.inventory.models import FareClass
from apps.inventory.offers import PassengerMix, offer_build
from apps.payments import services
from apps.payments.models import Payment, PaymentStatus, Refund, RefundReason, SandboxRecord
from apps.payments.providers import ChargeRequest, PaymentState
from apps.payments.providers.sandbox import SandboxProvider
from tests.factories import FareClassFactory
from tests.payments.stripe_fake import sign_webhook

FAMILY_NAMES = ("Lovelace", "Babbage", "Somerville")
GUEST_EMAIL = "ada@example.com"
STRIPE_WEBHOOK = "/api/v1/payments/webhooks/stripe/"
STRIPE_WEBHOOK_SECRET = "whsec_test_flightbook"  # what the `stripe_api` fixture configures


def hold(
    fare_class: FareClass | None = None,
    *,
    user: User | None = None,
    adults: int = 1,
    family_names: Sequence[str] = FAMILY_NAMES,
) -> Booking:
    """A booking holding `adults` seats of `fare_class` (a fresh 200 EUR economy fare class
    by default), for `user`, or for a guest when there is none. The passengers are adults
    called Ada, with the family names given in order."""
    fare_class = fare_class or FareClassFactory()
    offer = offer_build(slices=[[fare_class]], mix=PassengerMix(adults=adults), cabin="economy")
    return booking_services.booking_create(
        offer_id=offer.id,
        passengers=[
            booking_services.PassengerInput(type="adult", given_name="Ada", family_name=family_names[i])
            for i in range(adults)
        ],
        contact=booking_services.ContactInput(email=user.email if user else GUEST_EMAIL),
        user=user,
    )


def pay(booking: Booking, method: str = "pm_card_visa", *, user: User | None = None) -> Payment:
    """Pay `booking` through the service as `user` (its owner by default), or as the guest
    holding its locator when it has no owner. Raises what the service raises (a decline...)."""
    user = user or booking.user
    return services.payment_create(
        locator=booking.locator,
        payment_method=method,
        user=user,
        guest_locators=[] if user else [booking.locator],
    )


def api_as(user: User) -> APIClient:
    """An API client signed in as `user`."""
    client = APIClient()
    client.force_authenticate(user)
    return client


def pay_by_api(client: APIClient, locator: str, method: str = "pm_card_visa", *, key: str | None = None, **fields):
    """POST a payment of the booking `locator` to the API (with an Idempotency-Key if given)."""
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        f"/api/v1/bookings/{locator}/payments/", {"payment_method": method, **fields}, format="json", **headers
    )


def agent_refund(payment: Payment, amount: str, *, source_key: str) -> Refund:
    """An agent refunds `amount` of `payment` through the service (sent by the outbox)."""
    return services.refund_create(
        payment_id=payment.pk,
        amount=Decimal(amount),
        reason=RefundReason.AGENT,
        source_key=source_key,
        requested_by="agent@example.com",
    )


def charged_but_unrecorded(booking: Booking) -> tuple[Payment, PaymentState]:
    """A Visa payment of `booking` the sandbox bank charged but whose answer we never
    recorded (the process died, or the news is still on its way): ours stays pending.
    Returns it and the bank's answer."""
    payment = Payment.objects.create(
        booking=booking,
        provider="sandbox",
        amount=booking.total_amount,
        currency=booking.currency,
        payment_method="pm_card_visa",
    )
    state = SandboxProvider().charge(
        ChargeRequest(
            amount=payment.amount,
            currency=payment.currency,
            payment_method="pm_card_visa",
            idempotency_key=payment.provider_idempotency_key,
            description=f"Booking {booking.locator}",
            metadata={"locator": booking.locator, "payment_id": str(payment.pk)},
        )
    )
    return payment, state


def charges_taken() -> int:
    """Payments the bank (the sandbox's own books) says went through."""
    return SandboxRecord.objects.filter(kind=SandboxRecord.Kind.PAYMENT, status=PaymentStatus.SUCCEEDED).count()


def deliver_stripe_webhook(client, payload: bytes):
    """POST `payload` to our Stripe webhook, signed now with our secret, as Stripe signs it."""
    return client.post(
        STRIPE_WEBHOOK,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign_webhook(payload, STRIPE_WEBHOOK_SECRET),
    )
