"""A booking's itinerary as a customer reads it in an email: each flight at the local time
of its airports (with their names and UTC offsets), the airline, layovers, seats,
passengers and tickets. Built once here, rendered by the HTML and the text alternative."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from apps.bookings.models import Booking, Segment
from apps.core import clock
from apps.flights.models import Airport
from apps.inventory import selectors as inventory_selectors


def utc_offset_label(moment: datetime) -> str:
    """`UTC+1`, `UTC-3:30`, `UTC+0` for an aware local time."""
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


@dataclass(frozen=True)
class LocalTime:
    """A moment at an airport: what the clocks there read, and their offset from UTC."""

    at: datetime  # aware, in the airport's zone
    utc: datetime

    @classmethod
    def of(cls, moment: datetime, tz_name: str) -> LocalTime:
        return cls(at=clock.local(moment, tz_name), utc=clock.local(moment, "UTC"))

    @property
    def date(self) -> str:
        return self.at.strftime("%a %d %b %Y")

    @property
    def time(self) -> str:
        return self.at.strftime("%H:%M")

    @property
    def offset(self) -> str:
        return utc_offset_label(self.at)

    @property
    def label(self) -> str:
        """`Tue 01 Dec 2026, 14:05 local time (UTC+1)`."""
        return f"{self.date}, {self.time} local time ({self.offset})"

    @property
    def utc_label(self) -> str:
        return self.utc.strftime("%a %d %b %Y, %H:%M UTC")


@dataclass(frozen=True)
class Place:
    iata_code: str
    name: str
    city: str
    time_zone: str

    @classmethod
    def of(cls, airport: Airport) -> Place:
        return cls(iata_code=airport.iata_code, name=airport.name, city=airport.city, time_zone=airport.time_zone)

    def __str__(self) -> str:
        return f"{self.name} ({self.iata_code})"


@dataclass(frozen=True)
class SeatLine:
    passenger: str  # FAMILY/GIVEN
    designator: str


@dataclass(frozen=True)
class FlightLine:
    flight_id: int
    flight_number: str
    airline: str
    origin: Place
    destination: Place
    departure: LocalTime
    arrival: LocalTime
    duration_minutes: int
    cabin: str
    fare_brand: str
    seats: list[SeatLine]
    # Time on the ground before the next flight of the slice, and where.
    layover_minutes: int | None = None
    layover_at: Place | None = None

    @property
    def arrives_days_later(self) -> int:
        return (self.arrival.at.date() - self.departure.at.date()).days


@dataclass(frozen=True)
class SliceLine:
    index: int
    origin: Place
    destination: Place
    flights: list[FlightLine]

    @property
    def title(self) -> str:
        return "Return" if self.index == 1 else ("Outbound" if self.index == 0 else f"Journey {self.index + 1}")

    @property
    def stops(self) -> int:
        return len(self.flights) - 1


@dataclass(frozen=True)
class PassengerLine:
    name: str  # FAMILY/GIVEN, as on the ticket
    type: str
    ticket_number: str
    # "LHR-EDI 12A" per flight with a seat.
    seats: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Itinerary:
    slices: list[SliceLine]
    passengers: list[PassengerLine]

    @property
    def flights(self) -> list[FlightLine]:
        return [flight for journey in self.slices for flight in journey.flights]

    @property
    def first_departure(self) -> FlightLine | None:
        flights = self.flights
        return flights[0] if flights else None


def itinerary_build(*, booking: Booking) -> Itinerary:
    """The itinerary of `booking` (segments, passengers and active seats as they are now)."""
    segments: list[Segment] = sorted(
        booking.segments.select_related("flight__airline", "flight__origin", "flight__destination"),
        key=lambda s: (s.slice_index, s.position),
    )
    passengers = list(booking.passengers.all())
    names = {p.pk: p.name_icao for p in passengers}
    seats_by_passenger = inventory_selectors.seats_of_booking(reference=booking.locator)
    seats_by_flight: dict[int, list[SeatLine]] = {}
    for passenger in passengers:
        for assignment in seats_by_passenger.get(passenger.pk, []):
            seats_by_flight.setdefault(assignment.flight_id, []).append(
                SeatLine(passenger=names[passenger.pk], designator=assignment.designator)
            )

    by_slice: dict[int, list[Segment]] = {}
    for segment in segments:
        by_slice.setdefault(segment.slice_index, []).append(segment)
    slices = []
    for index, legs in sorted(by_slice.items()):
        flights = []
        for position, segment in enumerate(legs):
            flight = segment.flight
            following = legs[position + 1].flight if position + 1 < len(legs) else None
            flights.append(
                FlightLine(
                    flight_id=flight.pk,
                    flight_number=flight.flight_number,
                    airline=flight.airline.name,
                    origin=Place.of(flight.origin),
                    destination=Place.of(flight.destination),
                    departure=LocalTime.of(flight.departure_at, flight.origin.time_zone),
                    arrival=LocalTime.of(flight.arrival_at, flight.destination.time_zone),
                    duration_minutes=flight.duration_minutes,
                    cabin=booking.cabin.replace("_", " ").capitalize(),
                    fare_brand=segment.fare_brand,
                    seats=seats_by_flight.get(flight.pk, []),
                    layover_minutes=(
                        int((following.departure_at - flight.arrival_at).total_seconds() // 60) if following else None
                    ),
                    layover_at=Place.of(flight.destination) if following else None,
                )
            )
        slices.append(
            SliceLine(index=index, origin=flights[0].origin, destination=flights[-1].destination, flights=flights)
        )

    route = {
        flight.flight_id: f"{flight.origin.iata_code}-{flight.destination.iata_code}"
        for s in slices
        for flight in s.flights
    }
    passenger_lines = [
        PassengerLine(
            name=names[p.pk],
            type=p.get_type_display(),
            ticket_number=p.ticket_number or "",
            seats=[
                f"{route[a.flight_id]} {a.designator}" for a in seats_by_passenger.get(p.pk, []) if a.flight_id in route
            ],
        )
        for p in passengers
    ]
    return Itinerary(slices=slices, passengers=passenger_lines)
