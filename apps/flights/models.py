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
    # Lower-case, accent-free "code city name |local names" for autocomplete (flights.text.search_key).
    search_text = models.CharField(max_length=400, blank=True, default="")
    # How big the airport is: 1 is the busiest; bigger airports rank first in autocomplete.
    traffic_rank = models.PositiveIntegerField(default=100_000)

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
    """An aircraft model with its seat layout, as the airline configures it.

    `layout` is `{"cabins": [{"cabin", "first_row", "last_row", "letters", "exit_rows",
    "extra_legroom_rows", "missing", "blocked"}]}`: `letters` spells a row with a space
    for each aisle ("ABC DEF"); `missing` lists seats that do not exist ("30D") and
    `blocked` seats that exist but are never sold. See `flights.aircraft`."""

    code = models.CharField(max_length=8, unique=True, help_text="e.g. A320, B789")
    name = models.CharField(max_length=120)
    layout = models.JSONField(default=dict, blank=True)

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


class Schedule(models.Model):
    """A flight number flown on some days of the week over a period, from which dated
    flights are generated. Times are local to the origin airport."""

    airline = models.ForeignKey(Airline, on_delete=models.PROTECT, related_name="schedules")
    number = models.CharField(max_length=4)
    origin = models.ForeignKey(Airport, on_delete=models.PROTECT, related_name="scheduled_departures")
    destination = models.ForeignKey(Airport, on_delete=models.PROTECT, related_name="scheduled_arrivals")
    days_of_week = models.CharField(max_length=7, default="1234567", help_text="ISO weekdays flown, 1 = Monday")
    departure_time = models.TimeField(help_text="Local time at the origin")
    block_minutes = models.PositiveIntegerField()
    aircraft = models.ForeignKey(AircraftType, on_delete=models.PROTECT, related_name="schedules")
    valid_from = models.DateField()
    valid_to = models.DateField()

    class Meta:
        ordering = ["airline", "number", "valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__gte=models.F("valid_from")), name="schedule_valid_period"),
            models.CheckConstraint(condition=Q(days_of_week__regex=r"^[1-7]{1,7}$"), name="schedule_days_of_week"),
            models.CheckConstraint(condition=Q(block_minutes__gt=0), name="schedule_block_positive"),
            models.CheckConstraint(condition=~Q(origin=models.F("destination")), name="schedule_route_distinct"),
        ]

    def __str__(self) -> str:
        return f"{self.airline.iata_code}{self.number} {self.origin.iata_code}-{self.destination.iata_code}"


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
    schedule = models.ForeignKey(Schedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="flights")
    # Seats the airline may sell above the economy seat count, expecting no-shows. Never
    # more seats are assigned than exist: the extra passengers wait for a seat at check-in.
    overbooking_allowance = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["departure_at"]
        constraints = [
            models.UniqueConstraint(fields=["airline", "number", "departure_date"], name="flight_unique_per_day"),
            models.CheckConstraint(condition=Q(arrival_at__gt=models.F("departure_at")), name="flight_arrives_after"),
            models.CheckConstraint(condition=~Q(origin=models.F("destination")), name="flight_route_distinct"),
        ]
        indexes = [
            models.Index(fields=["origin", "destination", "departure_at"], name="flight_route_time_idx"),
            # First legs of connections: everything leaving an airport in a time window.
            models.Index(fields=["origin", "departure_at"], name="flight_origin_time_idx"),
            models.Index(fields=["departure_date"], name="flight_departure_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.flight_number} {self.departure_date} {self.origin.iata_code}-{self.destination.iata_code}"

    @property
    def flight_number(self) -> str:
        return f"{self.airline.iata_code}{self.number}"

    @property
    def duration_minutes(self) -> int:
        return int((self.arrival_at - self.departure_at).total_seconds() // 60)
