"""The demo network that `manage.py seed_demo` (and so `make run`) loads: a few real
airports and airlines, daily flights with one economy fare each, and demo accounts.
The flights issue replaces this with a generated network; the shape stays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal

from django.db import transaction

from apps.flights import services as flight_services
from apps.flights.models import Airport
from apps.inventory import services as inventory_services
from apps.inventory.models import Cabin

AIRPORTS = ["LHR", "CDG", "AMS", "FRA", "MAD", "JFK", "BOS", "DXB", "SIN", "NRT"]


@dataclass(frozen=True)
class DemoRoute:
    airline: str
    number: int  # outbound; the return flight is number + 1
    origin: str
    destination: str
    departs: time
    returns: time
    block_minutes: int
    price: Decimal
    aircraft: str


ROUTES = [
    DemoRoute("BA", 304, "LHR", "CDG", time(7, 30), time(10, 15), 75, Decimal("89.00"), "A320"),
    DemoRoute("BA", 428, "LHR", "AMS", time(9, 0), time(12, 40), 80, Decimal("95.00"), "A320"),
    DemoRoute("BA", 902, "LHR", "FRA", time(11, 20), time(15, 5), 95, Decimal("110.00"), "A320"),
    DemoRoute("BA", 117, "LHR", "JFK", time(8, 25), time(18, 30), 480, Decimal("520.00"), "B789"),
    DemoRoute("BA", 213, "LHR", "BOS", time(9, 35), time(19, 10), 445, Decimal("480.00"), "B789"),
    DemoRoute("AF", 1680, "CDG", "AMS", time(13, 5), time(16, 30), 80, Decimal("79.00"), "A320"),
    DemoRoute("AF", 1300, "CDG", "MAD", time(17, 40), time(7, 0), 125, Decimal("99.00"), "A320"),
    DemoRoute("AF", 6, "CDG", "JFK", time(10, 30), time(17, 30), 505, Decimal("560.00"), "B789"),
    DemoRoute("AF", 662, "CDG", "DXB", time(21, 50), time(9, 0), 400, Decimal("610.00"), "B789"),
    DemoRoute("AF", 256, "CDG", "SIN", time(23, 15), time(23, 55), 760, Decimal("890.00"), "B789"),
    DemoRoute("AF", 274, "CDG", "NRT", time(22, 0), time(10, 55), 835, Decimal("940.00"), "B789"),
]
AIRLINES = {"BA": ("British Airways", "125"), "AF": ("Air France", "057")}
AIRCRAFT = {"A320": ("Airbus A320", 174), "B789": ("Boeing 787-9", 216)}


def demo_network_ensure(*, start: date, days: int) -> int:
    """Create the demo airports, airlines and `days` days of flights from `start`. Idempotent.
    Returns how many flights exist in the window afterwards."""
    flight_services.airports_import(codes=AIRPORTS)
    airports = {a.iata_code: a for a in Airport.objects.filter(iata_code__in=AIRPORTS)}
    airlines = {
        code: flight_services.airline_ensure(iata_code=code, name=name, ticket_prefix=prefix)
        for code, (name, prefix) in AIRLINES.items()
    }
    aircraft = {
        code: flight_services.aircraft_type_ensure(code=code, name=name) for code, (name, _) in AIRCRAFT.items()
    }
    count = 0
    with transaction.atomic(durable=True):
        for offset in range(days):
            day = start + timedelta(days=offset)
            for route in ROUTES:
                legs = [
                    (route.number, route.origin, route.destination, route.departs),
                    (route.number + 1, route.destination, route.origin, route.returns),
                ]
                for number, origin, destination, departs in legs:
                    flight = flight_services.flight_create(
                        airline=airlines[route.airline],
                        number=str(number),
                        origin=airports[origin],
                        destination=airports[destination],
                        departure_date=day,
                        departure_time=departs,
                        block_minutes=route.block_minutes,
                        aircraft=aircraft[route.aircraft],
                    )
                    inventory_services.fare_classes_create(
                        flight=flight,
                        fares=[
                            inventory_services.FareSpec(
                                cabin=Cabin.ECONOMY,
                                code="Y",
                                brand="Standard",
                                price=route.price,
                                capacity=AIRCRAFT[route.aircraft][1],
                                checked_bags=1,
                            )
                        ],
                    )
                    count += 1
    return count
