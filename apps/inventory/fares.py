"""The fares a new flight opens with: fare classes per cabin of its aircraft, each a
bucket of seats at one price under one set of rules, priced by great-circle distance.
The buckets of a cabin add up to its seats (plus the flight's overbooking allowance in
economy), and the cheapest bucket with room sells first."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from apps.flights.aircraft import cabin_capacity
from apps.flights.geo import great_circle_km
from apps.flights.models import Flight
from apps.inventory.models import Cabin


@dataclass(frozen=True)
class FareProduct:
    code: str
    brand: str
    multiplier: Decimal
    share: Decimal  # of the cabin's seats; the last product of a cabin takes what is left
    refundable: bool
    change_fee: Decimal
    checked_bags: int


PRODUCTS: dict[str, list[FareProduct]] = {
    Cabin.ECONOMY: [
        FareProduct("V", "Basic", Decimal("0.75"), Decimal("0.3"), False, Decimal("75.00"), 0),
        FareProduct("M", "Standard", Decimal("1"), Decimal("0.5"), False, Decimal("50.00"), 1),
        FareProduct("Y", "Flex", Decimal("1.6"), Decimal("1"), True, Decimal("0.00"), 2),
    ],
    Cabin.PREMIUM_ECONOMY: [
        FareProduct("W", "Premium", Decimal("1.8"), Decimal("0.6"), False, Decimal("50.00"), 2),
        FareProduct("P", "Premium Flex", Decimal("2.4"), Decimal("1"), True, Decimal("0.00"), 2),
    ],
    Cabin.BUSINESS: [
        FareProduct("I", "Business Saver", Decimal("3.2"), Decimal("0.5"), False, Decimal("100.00"), 2),
        FareProduct("J", "Business Flex", Decimal("4.2"), Decimal("1"), True, Decimal("0.00"), 3),
    ],
    Cabin.FIRST: [FareProduct("F", "First", Decimal("6"), Decimal("1"), True, Decimal("0.00"), 3)],
}
CURRENCY = "EUR"


def economy_price(distance_km: float) -> Decimal:
    """A believable one-way standard economy fare: a base plus a falling rate per km."""
    price = 39 + 0.11 * min(distance_km, 1500) + 0.06 * max(distance_km - 1500, 0)
    return Decimal(round(price)).quantize(Decimal("1.00"))


def flight_distance_km(flight: Flight) -> float:
    o, d = flight.origin, flight.destination
    return great_circle_km(o.latitude, o.longitude, d.latitude, d.longitude)


def _buckets(seats: int, products: list[FareProduct]) -> list[int]:
    sizes, left = [], seats
    for product in products[:-1]:
        size = min(left, int(seats * product.share))
        sizes.append(size)
        left -= size
    return [*sizes, left]


def opening_fares(flight: Flight, *, capacity: dict[str, int] | None = None) -> list[dict]:
    """Field values of the fare classes `flight` opens with. `capacity` (seats per cabin)
    may be passed when the caller has worked it out for the aircraft already."""
    base = economy_price(flight_distance_km(flight))
    fares = []
    for cabin, seats in (capacity or cabin_capacity(flight.aircraft.layout)).items():
        products = PRODUCTS.get(cabin)
        if seats <= 0 or not products:
            continue
        sizes = _buckets(seats, products)
        if cabin == Cabin.ECONOMY:
            sizes[-1] += flight.overbooking_allowance
        for product, size in zip(products, sizes, strict=True):
            fares.append(
                {
                    "cabin": cabin,
                    "code": product.code,
                    "brand": product.brand,
                    "price": (base * product.multiplier).quantize(Decimal("1.00")),
                    "currency": CURRENCY,
                    "capacity": size,
                    "refundable": product.refundable,
                    "change_fee": product.change_fee,
                    "checked_bags": product.checked_bags,
                }
            )
    return fares
