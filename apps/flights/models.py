from __future__ import annotations

from django.db import models
from django.db.models import Q


class Airport(models.Model):
    iata_code = models.CharField(max_length=3, unique=True)
    name = models.CharField(max_length=200)
    city = models.CharField(max_length=120, blank=True)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    time_zone = models.CharField(max_length=64, help_text="IANA zone, e.g. Europe/Paris")
    latitude = models.DecimalField(max_digits=9, decimal_places=6)
    longitude = models.DecimalField(max_digits=9, decimal_places=6)

    class Meta:
        ordering = ["iata_code"]

    def __str__(self) -> str:
        return f"{self.iata_code} {self.city or self.name}"


class Airline(models.Model):
    iata_code = models.CharField(max_length=2, unique=True)
    name = models.CharField(max_length=120)
    ticket_prefix = models.CharField(max_length=3, unique=True, help_text="3-digit ticketing prefix")

    class Meta:
        ordering = ["iata_code"]
        constraints = [
            models.CheckConstraint(condition=Q(ticket_prefix__regex=r"^[0-9]{3}$"), name="airline_ticket_prefix_digits")
        ]

    def __str__(self) -> str:
        return f"{self.iata_code} {self.name}"


class AircraftType(models.Model):
    code = models.CharField(max_length=8, unique=True, help_text="e.g. A320, B789")
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class FlightStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    DELAYED = "delayed", "Delayed"
    BOARDING = "boarding", "Boarding"
    DEPARTED = "departed", "Departed"
    ARRIVED = "arrived", "Arrived"
    CANCELLED = "cancelled", "Cancelled"


class Flight(models.Model):
    """One dated operation of a flight number. Times are UTC; `departure_date` is the
    local departure date at the origin, which is how airlines name a flight."""

    airline = models.ForeignKey(Airline, on_delete=models.PROTECT, related_name="flights")
    number = models.CharField(max_length=4, help_text="Digits after the airline code")
    origin = models.ForeignKey(Airport, on_delete=models.PROTECT, related_name="departures")
    destination = models.ForeignKey(Airport, on_delete=models.PROTECT, related_name="arrivals")
    departure_date = models.DateField()
    departure_at = models.DateTimeField()
    arrival_at = models.DateTimeField()
    aircraft = models.ForeignKey(AircraftType, on_delete=models.PROTECT, related_name="flights")
    status = models.CharField(max_length=16, choices=FlightStatus.choices, default=FlightStatus.SCHEDULED)

    class Meta:
        ordering = ["departure_at"]
        constraints = [
            models.UniqueConstraint(fields=["airline", "number", "departure_date"], name="flight_unique_per_day"),
            models.CheckConstraint(condition=Q(arrival_at__gt=models.F("departure_at")), name="flight_arrives_after"),
            models.CheckConstraint(condition=~Q(origin=models.F("destination")), name="flight_route_distinct"),
        ]
        indexes = [models.Index(fields=["origin", "destination", "departure_at"], name="flight_route_time_idx")]

    def __str__(self) -> str:
        return f"{self.flight_number} {self.departure_date} {self.origin.iata_code}-{self.destination.iata_code}"

    @property
    def flight_number(self) -> str:
        return f"{self.airline.iata_code}{self.number}"

    @property
    def duration_minutes(self) -> int:
        return int((self.arrival_at - self.departure_at).total_seconds() // 60)
