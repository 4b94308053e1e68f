"""A trip worth writing home about: London to New York through Paris and back, two
passengers, seats on the first flight, across three time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from apps.bookings import services as booking_services
from apps.bookings.models import Booking
from apps.core import clock
from apps.inventory import selectors as inventory_selectors
from apps.inventory.offers import PassengerMix, offer_build
from tests.factories import AirlineFactory, AirportFactory, FareClassFactory, a320_flight


def _airports():
    london = AirportFactory(iata_code="LHR", name="London Heathrow Airport", city="London", time_zone="Europe/London")
    paris = AirportFactory(
        iata_code="CDG", name="Paris Charles de Gaulle Airport", city="Paris", country="FR", time_zone="Europe/Paris"
    )
    new_york = AirportFactory(
        iata_code="JFK",
        name="John F Kennedy International Airport",
        city="New York",
        country="US",
        time_zone="America/New_York",
    )
    return london, paris, new_york


def _traveller(given: str, family: str, country: str, document: str) -> booking_services.PassengerInput:
    return booking_services.PassengerInput(
        type="adult",
        given_name=given,
        family_name=family,
        date_of_birth=date(1985, 12, 10),
        document_type="passport",
        document_number=document,
        document_country=country,
        nationality=country,
        document_expires_on=date.today() + timedelta(days=3650),
    )


def connecting_round_trip(*, email: str = "ada@example.com") -> Booking:
    """Held: AF1081 LHR-CDG then AF6 CDG-JFK (a 2 h 10 connection in Paris), back on BA178
    JFK-LHR overnight; Ada Lovelace and Renée Müller (MUELLER/RENEE) in free seats on the first flight."""
    london, paris, new_york = _airports()
    air_france = AirlineFactory(iata_code="AF", name="Air France", ticket_prefix="057")
    british = AirlineFactory(iata_code="BA", name="British Airways", ticket_prefix="125")
    day = (clock.now() + timedelta(days=20)).date()
    out_1_at = datetime(day.year, day.month, day.day, 7, 5, tzinfo=UTC)
    out_1 = a320_flight(
        airline=air_france, number="1081", origin=london, destination=paris,
        departure_at=out_1_at, arrival_at=out_1_at + timedelta(minutes=75),
    )  # fmt: skip
    out_2_at = out_1.arrival_at + timedelta(minutes=130)
    out_2 = a320_flight(
        airline=air_france, number="6", origin=paris, destination=new_york,
        departure_at=out_2_at, arrival_at=out_2_at + timedelta(hours=8, minutes=25),
    )  # fmt: skip
    back_at = out_1_at + timedelta(days=7, hours=16)
    back = a320_flight(
        airline=british, number="178", origin=new_york, destination=london,
        departure_at=back_at, arrival_at=back_at + timedelta(hours=7),
    )  # fmt: skip
    fares = [FareClassFactory(flight=f, price=Decimal("310.25")) for f in (out_1, out_2, back)]
    offer = offer_build(slices=[fares[:2], fares[2:]], mix=PassengerMix(adults=2), cabin="economy")
    booking = booking_services.booking_create(
        offer_id=offer.id,
        passengers=[
            _traveller("Ada", "Lovelace", "GB", "503412345"),
            _traveller("Renée", "Müller", "DE", "C01X00T47"),
        ],
        contact=booking_services.ContactInput(email=email),
        user=None,
    )
    free = [
        seat.spec.designator
        for row in inventory_selectors.seat_map(flight=out_1)["economy"]
        for seat in row
        if seat.price == 0 and seat.available
    ][:2]
    booking_services.booking_seats_choose(
        locator=booking.locator,
        choices=[
            booking_services.SeatChoice(passenger_id=p.pk, flight_id=out_1.pk, designator=designator)
            for p, designator in zip(booking.passengers.all(), free, strict=True)
        ],
        actor=None,
    )
    return booking
