from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from apps.core.money import CURRENCY_DECIMAL_PLACES, CURRENCY_MAX_DIGITS
from apps.flights.models import Flight


class Cabin(models.TextChoices):
    ECONOMY = "economy", "Economy"
    PREMIUM_ECONOMY = "premium_economy", "Premium economy"
    BUSINESS = "business", "Business"
    FIRST = "first", "First"


class FareClass(models.Model):
    """A bucket of seats on one flight and cabin sold at one price under one set of rules.

    `sold` counts seats held or ticketed; the database refuses to let it pass `capacity`."""

    flight = models.ForeignKey(Flight, on_delete=models.CASCADE, related_name="fare_classes")
    cabin = models.CharField(max_length=16, choices=Cabin.choices, default=Cabin.ECONOMY)
    code = models.CharField(max_length=1, help_text="Booking class code, e.g. Y, M, J")
    brand = models.CharField(max_length=30, default="Standard")
    price = models.DecimalField(max_digits=CURRENCY_MAX_DIGITS, decimal_places=CURRENCY_DECIMAL_PLACES)
    currency = models.CharField(max_length=3, default="EUR")
    capacity = models.PositiveIntegerField()
    sold = models.PositiveIntegerField(default=0)
    refundable = models.BooleanField(default=False)
    change_fee = models.DecimalField(max_digits=CURRENCY_MAX_DIGITS, decimal_places=CURRENCY_DECIMAL_PLACES, default=0)
    checked_bags = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["flight", "cabin", "price"]
        constraints = [
            models.UniqueConstraint(fields=["flight", "code"], name="fare_class_code_per_flight"),
            models.CheckConstraint(condition=Q(sold__lte=F("capacity")), name="fare_class_sold_within_capacity"),
            models.CheckConstraint(condition=Q(price__gte=0), name="fare_class_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.flight} {self.code} ({self.brand})"


class HoldStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CONFIRMED = "confirmed", "Confirmed"
    RELEASED = "released", "Released"


class Hold(models.Model):
    """Seats of one fare class set aside for a booking (`reference` is its locator).

    An active hold past `expires_at` no longer counts as sold for availability; it is
    released (and `sold` given back) by the next hold on that fare class or by the
    periodic job, whichever comes first."""

    fare_class = models.ForeignKey(FareClass, on_delete=models.PROTECT, related_name="holds")
    quantity = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=HoldStatus.choices, default=HoldStatus.ACTIVE)
    reference = models.CharField(max_length=16, db_index=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="hold_quantity_positive")]
        indexes = [
            models.Index(
                fields=["fare_class", "expires_at"], condition=Q(status="active"), name="hold_active_expiry_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.quantity}x {self.fare_class_id} ({self.status})"


class SeatAssignment(models.Model):
    """A passenger in a seat on a flight. A seat is taken iff an active assignment exists
    whose hold has not run out (`expires_at`); the partial unique constraint makes a
    double assignment impossible, whatever the code. An expired assignment is given up
    the moment someone else chooses its seat, so nothing waits for the expiry job."""

    flight = models.ForeignKey(Flight, on_delete=models.CASCADE, related_name="seat_assignments")
    designator = models.CharField(max_length=4)
    reference = models.CharField(max_length=16, db_index=True, help_text="The booking's locator")
    passenger_ref = models.PositiveBigIntegerField(help_text="The booking passenger's id")
    price = models.DecimalField(max_digits=CURRENCY_MAX_DIGITS, decimal_places=CURRENCY_DECIMAL_PLACES, default=0)
    currency = models.CharField(max_length=3, default="EUR")
    active = models.BooleanField(default=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="The booking's hold expiry while it is held; empty once it is paid"
    )
    created_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["flight", "designator"], condition=Q(active=True), name="seat_assigned_once"
            ),
            models.UniqueConstraint(
                fields=["flight", "passenger_ref"], condition=Q(active=True), name="one_seat_per_passenger_per_flight"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.designator} on {self.flight_id} for {self.reference}"
