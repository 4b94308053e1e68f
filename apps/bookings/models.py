from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.bookings.names import ICAO_NAME_MAX_LENGTH, NAME_MAX_LENGTH
from apps.core.fields import EncryptedCharField, EncryptedDateField
from apps.core.money import CURRENCY_DECIMAL_PLACES, CURRENCY_MAX_DIGITS
from apps.flights.models import Flight
from apps.inventory.models import FareClass

# No 0/O or 1/I: a locator is read out over the phone.
LOCATOR_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LOCATOR_LENGTH = 6


class BookingStatus(models.TextChoices):
    HELD = "held", "Held"
    CONFIRMED = "confirmed", "Confirmed"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


class Booking(models.Model):
    """A passenger name record: who flies on which segments, and what was paid."""

    locator = models.CharField(max_length=LOCATOR_LENGTH, unique=True)
    status = models.CharField(max_length=10, choices=BookingStatus.choices, default=BookingStatus.HELD)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="bookings"
    )
    partner = models.ForeignKey(
        "accounts.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="bookings",
        help_text="The travel agency that made it (by API key or one of its agents)",
    )  # fmt: skip
    api_key = models.ForeignKey(
        "accounts.ApiKey", null=True, blank=True, on_delete=models.PROTECT, related_name="bookings",
        help_text="The partner API key that made it",
    )  # fmt: skip
    contact_email = models.EmailField()
    contact_phone = models.CharField(max_length=32, blank=True)
    total_amount = models.DecimalField(max_digits=CURRENCY_MAX_DIGITS, decimal_places=CURRENCY_DECIMAL_PLACES)
    currency = models.CharField(max_length=3)
    cabin = models.CharField(max_length=16)
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(locator__regex=r"^[A-HJ-NP-Z2-9]{6}$"), name="booking_locator_format"),
            models.CheckConstraint(condition=Q(total_amount__gte=0), name="booking_total_not_negative"),
        ]

    def __str__(self) -> str:
        return self.locator


class PassengerType(models.TextChoices):
    ADULT = "adult", "Adult"
    CHILD = "child", "Child"
    INFANT = "infant", "Infant on lap"


class Passenger(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="passengers")
    position = models.PositiveSmallIntegerField()
    type = models.CharField(max_length=8, choices=PassengerType.choices)
    # As typed (letters of Latin script), and in the ICAO 9303 transliteration (A-Z and
    # spaces) that tickets, manifests and boarding passes carry: apps/bookings/names.py.
    given_name = models.CharField(max_length=NAME_MAX_LENGTH)
    family_name = models.CharField(max_length=NAME_MAX_LENGTH)
    given_name_icao = models.CharField("given name (ICAO 9303)", max_length=ICAO_NAME_MAX_LENGTH, blank=True)
    family_name_icao = models.CharField("family name (ICAO 9303)", max_length=ICAO_NAME_MAX_LENGTH, blank=True)
    # Date of birth and travel document (required when the trip crosses a border) are
    # encrypted at rest and never filtered on (docs/privacy.md).
    date_of_birth = EncryptedDateField(null=True, blank=True)
    document_type = EncryptedCharField(
        max_length=12, blank=True, choices=[("passport", "Passport"), ("id_card", "Identity card")]
    )
    document_number = EncryptedCharField(max_length=20, blank=True)
    document_country = EncryptedCharField(max_length=2, blank=True, help_text="Issuing country, ISO 3166-1 alpha-2")
    nationality = EncryptedCharField(max_length=2, blank=True)
    document_expires_on = EncryptedDateField(null=True, blank=True)
    ticket_number = models.CharField(max_length=13, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["booking", "position"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "position"], name="passenger_position_unique"),
            models.CheckConstraint(
                condition=Q(ticket_number__isnull=True) | Q(ticket_number__regex=r"^[0-9]{13}$"),
                name="passenger_ticket_number_13_digits",
            ),
        ]

    def __str__(self) -> str:
        return self.name_icao

    @property
    def name_icao(self) -> str:
        """`FAMILY/GIVEN` as on a ticket or a manifest."""
        return f"{self.family_name_icao}/{self.given_name_icao}"


class Segment(models.Model):
    """One flight of the itinerary, with the fare class it was sold in and its price."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="segments")
    slice_index = models.PositiveSmallIntegerField(default=0)
    position = models.PositiveSmallIntegerField()
    flight = models.ForeignKey(Flight, on_delete=models.PROTECT, related_name="booked_segments")
    fare_class = models.ForeignKey(FareClass, on_delete=models.PROTECT, related_name="booked_segments")
    fare_code = models.CharField(max_length=1)
    fare_brand = models.CharField(max_length=30)
    amount = models.DecimalField(max_digits=CURRENCY_MAX_DIGITS, decimal_places=CURRENCY_DECIMAL_PLACES)

    class Meta:
        ordering = ["booking", "slice_index", "position"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "slice_index", "position"], name="segment_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.booking.locator} {self.flight}"


class BookingEvent(models.Model):
    """The booking's timeline: every change, with who made it and when."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=120, help_text="Who acted, kept after the user is gone")
    kind = models.CharField(max_length=40)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["booking", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.booking.locator} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class TicketSerial(models.Model):
    """The last e-ticket serial issued under an airline's 3-digit prefix."""

    prefix = models.CharField(max_length=3, unique=True)
    last_serial = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(last_serial__gte=0) & Q(last_serial__lt=10**10), name="ticket_serial_ten_digits"
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last_serial}"


class BookingAccessGrant(models.Model):
    """An agent found this booking by locator and family name on a customer's behalf: they
    may see and serve it until `expires_at`. Every grant is also in the audit log."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="access_grants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="booking_grants")
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.booking.locator} until {self.expires_at:%Y-%m-%d %H:%M}"
