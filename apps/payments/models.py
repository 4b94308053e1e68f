from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from apps.bookings.models import Booking
from apps.core.money import CURRENCY_DECIMAL_PLACES, CURRENCY_MAX_DIGITS


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    # Waiting for the customer: a 3-D Secure challenge, or a card form not yet submitted.
    REQUIRES_ACTION = "requires_action", "Awaiting the customer"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"


# A payment only moves forward: an event saying less than we know is ignored.
PAYMENT_TERMINAL = frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.CANCELED})
PAYMENT_IN_FLIGHT = (PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION)


class RefundStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"


REFUND_TERMINAL = frozenset({RefundStatus.SUCCEEDED, RefundStatus.FAILED, RefundStatus.CANCELED})


class RefundReason(models.TextChoices):
    CANCELLATION = "cancellation", "Booking cancelled"
    SEATS_RELEASED = "seats_released", "Paid after the seats were released"
    DUPLICATE = "duplicate", "Booking already paid"
    AMOUNT_CHANGED = "amount_changed", "Booking total changed during payment"
    BOOKING_CLOSED = "booking_closed", "Paid for a cancelled booking"
    AGENT = "agent", "Refund by an agent"
    DISRUPTION = "disruption", "Airline disruption"
    PROVIDER = "provider", "Refunded at the provider"


class Payment(models.Model):
    """One attempt to pay a booking. Amount and currency are copied from the booking on
    the server; no card data is ever stored, only the provider's references."""

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=20)
    status = models.CharField(max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    amount = models.DecimalField(max_digits=CURRENCY_MAX_DIGITS, decimal_places=CURRENCY_DECIMAL_PLACES)
    currency = models.CharField(max_length=3)
    amount_refunded = models.DecimalField(
        max_digits=CURRENCY_MAX_DIGITS,
        decimal_places=CURRENCY_DECIMAL_PLACES,
        default=0,
        help_text="Refunds requested or done (failed ones are given back)",
    )
    applied = models.BooleanField(default=False, help_text="This payment paid its booking")
    payment_method = models.CharField(max_length=100, blank=True, help_text="The provider's method id, never a card")
    provider_reference = models.CharField(max_length=100, blank=True, db_index=True)
    failure_code = models.CharField(max_length=60, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)
    provider_updated_at = models.DateTimeField(
        null=True, blank=True, help_text="Time of the newest provider event applied"
    )
    lease_expires_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Until when the request that started this attempt may still be calling the provider; "
        "after it, a pending attempt is settled with the provider by the next try",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=F("amount")),
                name="payment_refunds_within_amount",
            ),
            # A booking is paid by one payment; any other that succeeds is refunded.
            models.UniqueConstraint(
                fields=["booking"], condition=Q(applied=True), name="payment_one_applied_per_booking"
            ),
            # One attempt in flight per booking: a double submit cannot charge twice.
            models.UniqueConstraint(
                fields=["booking"],
                condition=Q(status__in=["pending", "requires_action"]),
                name="payment_one_in_flight_per_booking",
            ),
            models.UniqueConstraint(
                fields=["provider", "provider_reference"],
                condition=~Q(provider_reference=""),
                name="payment_provider_reference_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booking.locator} {self.amount} {self.currency} ({self.status})"

    @property
    def provider_idempotency_key(self) -> str:
        return f"flightbook-payment-{self.pk}"


class Refund(models.Model):
    """Money going back on a payment, through the provider that took it, tracked until
    the provider confirms it."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=CURRENCY_MAX_DIGITS, decimal_places=CURRENCY_DECIMAL_PLACES)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    reason = models.CharField(max_length=20, choices=RefundReason.choices)
    source_key = models.CharField(max_length=100, unique=True, help_text="What asked for it; one refund per source")
    provider_reference = models.CharField(max_length=100, blank=True, db_index=True)
    failure_code = models.CharField(max_length=60, blank=True)
    requested_by = models.CharField(max_length=120)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"Refund {self.amount} {self.currency} of {self.payment_id} ({self.status})"

    @property
    def provider_idempotency_key(self) -> str:
        return f"flightbook-refund-{self.pk}"


class ProviderEvent(models.Model):
    """A webhook event, stored once by its provider id in the same transaction as its effect."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=100)
    type = models.CharField(max_length=100)
    created = models.DateTimeField(help_text="When the provider created the event")
    received_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=200, blank=True)
    payload = models.JSONField()

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="provider_event_once")]

    def __str__(self) -> str:
        return f"{self.provider} {self.type} {self.event_id}"


class SandboxRecord(models.Model):
    """The sandbox provider's own books: what a real provider keeps on its servers. Only
    the sandbox provider writes here, always in its own transaction."""

    class Kind(models.TextChoices):
        PAYMENT = "payment"
        REFUND = "refund"

    reference = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    idempotency_key = models.CharField(max_length=100, unique=True)
    status = models.CharField(max_length=16)
    amount = models.DecimalField(max_digits=CURRENCY_MAX_DIGITS, decimal_places=CURRENCY_DECIMAL_PLACES)
    currency = models.CharField(max_length=3)
    payment_method = models.CharField(max_length=100, blank=True)
    payment_reference = models.CharField(max_length=40, blank=True, help_text="For a refund: the payment")
    failure_code = models.CharField(max_length=60, blank=True)
    metadata = models.JSONField(default=dict)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.reference} ({self.status})"
