from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.bookings.models import Booking
from apps.core.money import CURRENCY_DECIMAL_PLACES, CURRENCY_MAX_DIGITS


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    REQUIRES_ACTION = "requires_action", "Requires action"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Payment(models.Model):
    """One attempt to pay a booking. Amount and currency are copied from the booking on
    the server; no card data is ever stored, only the provider's references."""

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=20)
    status = models.CharField(max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    amount = models.DecimalField(max_digits=CURRENCY_MAX_DIGITS, decimal_places=CURRENCY_DECIMAL_PLACES)
    currency = models.CharField(max_length=3)
    provider_reference = models.CharField(max_length=100, blank=True, db_index=True)
    failure_code = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            # A booking is paid at most once.
            models.UniqueConstraint(
                fields=["booking"], condition=Q(status="succeeded"), name="payment_one_success_per_booking"
            ),
            # One attempt in flight per booking: a double submit cannot charge twice.
            models.UniqueConstraint(
                fields=["booking"], condition=Q(status="pending"), name="payment_one_pending_per_booking"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booking.locator} {self.amount} {self.currency} ({self.status})"
