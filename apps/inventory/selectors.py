from __future__ import annotations

from datetime import date

from django.db.models import F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from apps.core import clock
from apps.flights import selectors as flight_selectors
from apps.flights.models import Airport
from apps.inventory.models import FareClass, Hold, HoldStatus
from apps.inventory.offers import Offer, PassengerMix, offer_build

# Tell a customer how many seats are left only when it is worth knowing.
LOW_AVAILABILITY = 9


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


def offers_search(
    *, origin: Airport, destination: Airport, departure_date: date, mix: PassengerMix, cabin: str
) -> list[Offer]:
    """One offer per bookable direct flight: its cheapest fare class in `cabin` with room
    for every seated passenger. Sorted by departure."""
    flights = list(
        flight_selectors.direct_flights(origin=origin, destination=destination, departure_date=departure_date)
    )
    open_classes = (
        fare_classes_with_availability()
        .filter(flight__in=flights, cabin=cabin, available__gte=mix.seats)
        .order_by("flight_id", "price")
    )
    cheapest: dict[int, FareClass] = {}
    for fare_class in open_classes:
        cheapest.setdefault(fare_class.flight_id, fare_class)
    offers = []
    for flight in flights:
        fare_class = cheapest.get(flight.pk)
        if fare_class is None:
            continue
        fare_class.flight = flight  # already loaded with its airline and airports
        remaining = fare_class.available if fare_class.available <= LOW_AVAILABILITY else None
        offers.append(offer_build(slices=[[fare_class]], mix=mix, cabin=cabin, seats_remaining=remaining))
    return offers


def fare_classes_for_offer(*, ids: list[int]) -> dict[int, FareClass]:
    rows = FareClass.objects.filter(pk__in=ids).select_related(
        "flight__airline", "flight__origin", "flight__destination", "flight__aircraft"
    )
    return {row.pk: row for row in rows}
