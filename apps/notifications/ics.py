"""A booking's flights as an iCalendar file (RFC 5545) a mail client adds to a calendar:
one event per flight, in UTC, with a UID that stays the same for that flight of that
booking so a later copy (a changed trip) updates the event instead of adding another."""

from __future__ import annotations

from datetime import UTC

from icalendar import Calendar, Event

from apps.bookings.models import Booking
from apps.core import clock


def flight_event_uid(*, locator: str, flight_id: int, domain: str) -> str:
    return f"{locator}-{flight_id}@{domain}"


def booking_calendar(*, booking: Booking, domain: str, booking_url: str) -> bytes:
    """The `.ics` of `booking`'s flights (`METHOD:PUBLISH`: information, not an invitation)."""
    cal = Calendar()
    cal.add("prodid", "-//flightbook//bookings//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    cal.add("calscale", "GREGORIAN")
    stamp = (booking.confirmed_at or clock.now()).astimezone(UTC)
    passengers = ", ".join(p.name_icao for p in booking.passengers.all())
    segments = booking.segments.select_related("flight__airline", "flight__origin", "flight__destination")
    for segment in segments.order_by("slice_index", "position"):
        flight = segment.flight
        event = Event()
        event.add("uid", flight_event_uid(locator=booking.locator, flight_id=flight.pk, domain=domain))
        event.add("dtstamp", stamp)
        event.add("dtstart", flight.departure_at.astimezone(UTC))
        event.add("dtend", flight.arrival_at.astimezone(UTC))
        event.add(
            "summary",
            f"Flight {flight.flight_number} {flight.origin.iata_code} → {flight.destination.iata_code}",
        )
        event.add(
            "location",
            f"{flight.origin.name} ({flight.origin.iata_code}) to "
            f"{flight.destination.name} ({flight.destination.iata_code})",
        )
        event.add(
            "description",
            f"{flight.airline.name} flight {flight.flight_number}\n"
            f"Booking reference {booking.locator}\nPassengers: {passengers}\n{booking_url}",
        )
        event.add("url", booking_url)
        event.add("status", "CONFIRMED")
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    return cal.to_ical()
