from __future__ import annotations

from datetime import date, time, timedelta

from django.db.models import Case, Q, QuerySet, Value, When

from apps.core import clock
from apps.flights.models import Airport, Flight, FlightStatus


def airport_get(*, iata_code: str) -> Airport | None:
    return Airport.objects.filter(iata_code=iata_code.upper()).first()


def airport_search(*, query: str, limit: int = 10) -> QuerySet[Airport]:
    """Airports whose code, city or name matches; an exact code comes first."""
    q = query.strip()
    return (
        Airport.objects.filter(Q(iata_code__iexact=q) | Q(city__icontains=q) | Q(name__icontains=q))
        .annotate(exact=Case(When(iata_code__iexact=q, then=Value(0)), default=Value(1)))
        .order_by("exact", "city", "iata_code")[:limit]
    )


def direct_flights(*, origin: Airport, destination: Airport, departure_date: date) -> QuerySet[Flight]:
    """Bookable direct flights leaving `origin` on the local date `departure_date`."""
    day_start = clock.local_to_utc(departure_date, time.min, origin.time_zone)
    day_end = clock.local_to_utc(departure_date + timedelta(days=1), time.min, origin.time_zone)
    return (
        Flight.objects.filter(
            origin=origin,
            destination=destination,
            departure_at__gte=max(day_start, clock.now()),
            departure_at__lt=day_end,
        )
        .exclude(status=FlightStatus.CANCELLED)
        .select_related("airline", "origin", "destination", "aircraft")
        .order_by("departure_at")
    )
