"""The fares a new flight opens with: one fare class per cabin of its aircraft, priced by
great-circle distance. (Several classes per cabin, Basic to Flex, come with inventory.)"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from apps.flights.aircraft import cabin_capacity
from apps.flights.geo import great_circle_km
from apps.flights.models import Flight
from apps.inventory.models import Cabin


@dataclass(frozen=True)
class CabinFare:
    code: str
    brand: str
    multiplier: Decimal
    refundable: bool
    checked_bags: int


CABIN_FARES = {
    Cabin.ECONOMY: CabinFare("Y", "Standard", Decimal("1"), False, 1),
    Cabin.PREMIUM_ECONOMY: CabinFare("W", "Premium", Decimal("1.8"), False, 2),
    Cabin.BUSINESS: CabinFare("J", "Business", Decimal("3.5"), True, 2),
    Cabin.FIRST: CabinFare("F", "First", Decimal("6"), True, 3),
}
CURRENCY = "EUR"


def economy_price(distance_km: float) -> Decimal:
    """A believable one-way economy fare: a base plus a falling rate per kilometre."""
    price = 39 + 0.11 * min(distance_km, 1500) + 0.06 * max(distance_km - 1500, 0)
    return Decimal(round(price)).quantize(Decimal("1.00"))


def cabin_price(*, distance_km: float, cabin: str) -> Decimal:
    return (economy_price(distance_km) * CABIN_FARES[cabin].multiplier).quantize(Decimal("1.00"))


def flight_distance_km(flight: Flight) -> float:
    o, d = flight.origin, flight.destination
    return great_circle_km(o.latitude, o.longitude, d.latitude, d.longitude)


def opening_fares(flight: Flight) -> list[dict]:
    """Field values of the fare classes `flight` opens with, one per cabin of its aircraft."""
    distance = flight_distance_km(flight)
    fares = []
    for cabin, seats in cabin_capacity(flight.aircraft.layout).items():
        if seats <= 0 or cabin not in CABIN_FARES:
            continue
        fare = CABIN_FARES[cabin]
        fares.append(
            {
                "cabin": cabin,
                "code": fare.code,
                "brand": fare.brand,
                "price": cabin_price(distance_km=distance, cabin=cabin),
                "currency": CURRENCY,
                "capacity": seats,
                "refundable": fare.refundable,
                "checked_bags": fare.checked_bags,
            }
        )
    return fares
