from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal
from itertools import product

from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from apps.core import clock
from apps.flights import selectors as flight_selectors
from apps.flights.aircraft import SeatSpec
from apps.flights.aircraft import seats as layout_seats
from apps.flights.models import Airport, Flight
from apps.inventory.models import FareClass, Hold, HoldStatus, SeatAssignment
from apps.inventory.offers import Offer, PassengerMix, fare_total, offer_build
from apps.inventory.seats import seat_price

# Tell a customer how many seats are left only when it is worth knowing.
LOW_AVAILABILITY = 9
# Round trips pair the cheapest outbound and return options, not every pair of a big hub.
ROUND_TRIP_OPTIONS_PER_DIRECTION = 60
SORTS = ("price", "duration", "departure")


def fare_classes_with_availability() -> QuerySet[FareClass]:
    """Fare classes annotated with `available`: capacity minus what is sold or held, where
    holds already past their expiry count as free (DESIGN.md §5) before anyone tidies up."""
    expired_held = (
        Hold.objects.filter(fare_class=OuterRef("pk"), status=HoldStatus.ACTIVE, expires_at__lte=clock.now())
        .values("fare_class")
        .annotate(quantity=Sum("quantity"))
        .values("quantity")
    )
    return FareClass.objects.annotate(
        expired_held=Coalesce(Subquery(expired_held, output_field=IntegerField()), Value(0))
    ).annotate(available=F("capacity") - F("sold") + F("expired_held"))


@dataclass(frozen=True)
class SearchCriteria:
    origin: Airport
    destination: Airport
    departure_date: date
    mix: PassengerMix
    cabin: str
    return_date: date | None = None
    max_stops: int = 1
    airlines: frozenset[str] = frozenset()
    max_price: Decimal | None = None
    departure_from: time | None = None
    departure_to: time | None = None
    sort: str = "price"


@dataclass(frozen=True)
class PricedSlice:
    """One direction of a trip with the fare class each flight sells in, priced for the mix."""

    fare_classes: tuple[FareClass, ...]
    price: Decimal
    available: int

    @property
    def flights(self) -> list[Flight]:
        return [fc.flight for fc in self.fare_classes]

    @property
    def departure_at(self):
        return self.fare_classes[0].flight.departure_at

    @property
    def duration(self) -> timedelta:
        return self.fare_classes[-1].flight.arrival_at - self.fare_classes[0].flight.departure_at


@dataclass(frozen=True)
class Candidate:
    """An offer before it is signed: signing is left for the page actually shown."""

    slices: tuple[PricedSlice, ...]
    total: Decimal = field(init=False)
    available: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", sum((s.price for s in self.slices), Decimal(0)))
        object.__setattr__(self, "available", min(s.available for s in self.slices))

    @property
    def duration(self) -> timedelta:
        return sum((s.duration for s in self.slices), timedelta(0))


def cheapest_open_fares(*, flights: list[Flight], cabin: str, seats: int) -> dict[int, FareClass]:
    """The cheapest fare class of `cabin` with room for `seats` on each flight (one query)."""
    by_id = {flight.pk: flight for flight in flights}
    cheapest: dict[int, FareClass] = {}
    rows = (
        fare_classes_with_availability()
        .filter(flight_id__in=by_id, cabin=cabin, available__gte=seats)
        .order_by("flight_id", "price", "pk")
    )
    for fare_class in rows:
        if fare_class.flight_id not in cheapest:
            fare_class.flight = by_id[fare_class.flight_id]  # already loaded with its relations
            cheapest[fare_class.flight_id] = fare_class
    return cheapest


def _in_window(moment_local: time, start: time | None, end: time | None) -> bool:
    return (start is None or moment_local >= start) and (end is None or moment_local <= end)


def _priced_slices(
    *, criteria: SearchCriteria, origin: Airport, destination: Airport, day: date, outbound: bool
) -> list[PricedSlice]:
    itineraries = flight_selectors.itineraries_find(
        origin=origin, destination=destination, departure_date=day, max_stops=criteria.max_stops
    )
    fares = cheapest_open_fares(
        flights=[f for itinerary in itineraries for f in itinerary], cabin=criteria.cabin, seats=criteria.mix.seats
    )
    slices = []
    for itinerary in itineraries:
        if criteria.airlines and any(f.airline.iata_code not in criteria.airlines for f in itinerary):
            continue
        if outbound and (criteria.departure_from or criteria.departure_to):
            leaves = clock.local(itinerary[0].departure_at, itinerary[0].origin.time_zone).time()
            if not _in_window(leaves, criteria.departure_from, criteria.departure_to):
                continue
        fare_classes = [fares.get(f.pk) for f in itinerary]
        if None in fare_classes:
            continue
        price = sum(
            (fare_total(price=fc.price, currency=fc.currency, mix=criteria.mix) for fc in fare_classes), Decimal(0)
        )
        slices.append(
            PricedSlice(
                fare_classes=tuple(fare_classes), price=price, available=min(fc.available for fc in fare_classes)
            )
        )
    return slices


def _sort_key(sort: str):
    if sort == "duration":
        return lambda c: (c.duration, c.total, c.slices[0].departure_at)
    if sort == "departure":
        return lambda c: (c.slices[0].departure_at, c.total, c.duration)
    return lambda c: (c.total, c.duration, c.slices[0].departure_at)


def offers_search(*, criteria: SearchCriteria) -> list[Candidate]:
    """Every bookable offer for the criteria, filtered and sorted, not yet signed.

    One-way: one slice per offer. Round trip: the cheapest outbound and return options
    paired. An offer is shown only when every flight has an open fare class in the cabin
    with a seat for each adult and child."""
    outbound = _priced_slices(
        criteria=criteria,
        origin=criteria.origin,
        destination=criteria.destination,
        day=criteria.departure_date,
        outbound=True,
    )
    if criteria.return_date is None:
        candidates = [Candidate(slices=(s,)) for s in outbound]
    else:
        inbound = _priced_slices(
            criteria=criteria,
            origin=criteria.destination,
            destination=criteria.origin,
            day=criteria.return_date,
            outbound=False,
        )
        cheapest_out = sorted(outbound, key=lambda s: s.price)[:ROUND_TRIP_OPTIONS_PER_DIRECTION]
        cheapest_back = sorted(inbound, key=lambda s: s.price)[:ROUND_TRIP_OPTIONS_PER_DIRECTION]
        candidates = [
            Candidate(slices=(out, back))
            for out, back in product(cheapest_out, cheapest_back)
            if back.departure_at > out.fare_classes[-1].flight.arrival_at
        ]
    if criteria.max_price is not None:
        candidates = [c for c in candidates if c.total <= criteria.max_price]
    return sorted(candidates, key=_sort_key(criteria.sort))


def offers_sign(*, candidates: list[Candidate], mix: PassengerMix, cabin: str) -> list[Offer]:
    """Turn the candidates about to be shown into offers with signed, expiring ids."""
    return [
        offer_build(
            slices=[list(s.fare_classes) for s in candidate.slices],
            mix=mix,
            cabin=cabin,
            seats_remaining=candidate.available if candidate.available <= LOW_AVAILABILITY else None,
        )
        for candidate in candidates
    ]


def fare_classes_for_offer(*, ids: list[int]) -> dict[int, FareClass]:
    rows = FareClass.objects.filter(pk__in=ids).select_related(
        "flight__airline", "flight__origin", "flight__destination", "flight__aircraft"
    )
    return {row.pk: row for row in rows}


@dataclass(frozen=True)
class SeatOnMap:
    spec: SeatSpec
    available: bool
    price: Decimal


def seat_map(*, flight: Flight) -> dict[str, list[list[SeatOnMap]]]:
    """The flight's seats by cabin and row, with availability (not blocked, no active
    assignment) and price. Cabins in the aircraft's order, front to back."""
    taken = set(
        SeatAssignment.objects.filter(flight=flight, active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=clock.now()))
        .values_list("designator", flat=True)
    )
    specs = layout_seats(flight.aircraft.layout)
    first_rows: dict[str, int] = {}
    for spec in specs:
        first_rows[spec.cabin] = min(first_rows.get(spec.cabin, spec.row), spec.row)
    cabins: dict[str, dict[int, list[SeatOnMap]]] = {}
    for spec in specs:
        cabins.setdefault(spec.cabin, {}).setdefault(spec.row, []).append(
            SeatOnMap(
                spec=spec,
                available=spec.sellable and spec.designator not in taken,
                price=seat_price(spec, first_row_of_cabin=first_rows[spec.cabin]),
            )
        )
    return {cabin: list(rows.values()) for cabin, rows in cabins.items()}


def seat_find(*, flight: Flight, designator: str) -> SeatSpec | None:
    """The layout's seat with this designator, or None."""
    return next((s for s in layout_seats(flight.aircraft.layout) if s.designator == designator), None)


def seats_of_bookings(*, references: list[str]) -> dict[str, dict[int, list[SeatAssignment]]]:
    """Active seat assignments of several bookings in one query: by locator, then passenger id."""
    seats: dict[str, dict[int, list[SeatAssignment]]] = {reference: {} for reference in references}
    assignments = SeatAssignment.objects.filter(reference__in=references, active=True).order_by("flight_id")
    for assignment in assignments:
        seats[assignment.reference].setdefault(assignment.passenger_ref, []).append(assignment)
    return seats


def seats_of_booking(*, reference: str) -> dict[int, list[SeatAssignment]]:
    """Active seat assignments of a booking, by passenger id."""
    return seats_of_bookings(references=[reference])[reference]


def seat_map_price(*, flight: Flight, seat: SeatSpec) -> Decimal:
    first_row = min(s.row for s in layout_seats(flight.aircraft.layout) if s.cabin == seat.cabin)
    return seat_price(seat, first_row_of_cabin=first_row)


def flight_currency(*, flight: Flight) -> str:
    """The currency the flight's fares (and so its seats) are sold in."""
    return FareClass.objects.filter(flight=flight).values_list("currency", flat=True).first() or "EUR"
