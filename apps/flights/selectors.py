from __future__ import annotations

import hashlib
import time as time_module
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db.models import Case, Q, Value, When
from django.db.models.functions import Substr

from apps.core import clock
from apps.flights.models import Airport, Flight, FlightStatus
from apps.flights.text import search_key

AIRPORT_CACHE_SECONDS = 300
_airports: dict[str, tuple[float, Airport]] = {}


def airport_get(*, iata_code: str) -> Airport | None:
    """The airport with this IATA code. Every search names two, so each process keeps
    them for a few minutes (an edited airport shows its change within AIRPORT_CACHE_SECONDS)."""
    code = iata_code.strip().upper()
    now = time_module.monotonic()
    cached = _airports.get(code)
    if cached is not None and cached[0] > now:
        return cached[1]
    airport = Airport.objects.filter(iata_code=code).first()
    if airport is not None:
        _airports[code] = (now + AIRPORT_CACHE_SECONDS, airport)
    return airport


def airport_cache_clear() -> None:
    _airports.clear()


AIRPORT_SEARCH_MAX_RESULTS = 20
AIRPORT_SEARCH_CACHE_SECONDS = 10 * 60
# Bump the version when the ranking or the cached shape changes: old answers are then ignored.
AIRPORT_SEARCH_CACHE_PREFIX = "flights:airport-search"
AIRPORT_SEARCH_CACHE_VERSION = 1


def airport_search(*, query: str, limit: int = 10) -> list[Airport]:
    """Airports whose IATA code, city or name matches `query`, ignoring case and accents,
    best first: the exact code, then cities that start with the query, then airports with
    any word (code, city or name) that starts with it, then the rest; ties go to the
    busier airport, then by name. At most `limit` (up to 20). Each folded query's answer
    is cached for 10 minutes, so a repeated keystroke costs no query."""
    text = search_key(query)
    if not text:
        return []
    digest = hashlib.sha256(text.encode()).hexdigest()
    cache_key = f"{AIRPORT_SEARCH_CACHE_PREFIX}:{digest}"
    airports = cache.get(cache_key, version=AIRPORT_SEARCH_CACHE_VERSION)
    if airports is None:
        matches = Airport.objects.all()
        for word in text.split():
            matches = matches.filter(search_text__contains=word)
        # search_text is "code city name |other city name": see reference.airport_search_text.
        matches = matches.annotate(place=Substr("search_text", 5)).annotate(
            match_rank=Case(
                When(iata_code=text.upper(), then=Value(0)),
                When(Q(place__startswith=text) | Q(search_text__contains=f"|{text}"), then=Value(1)),
                When(Q(search_text__startswith=text) | Q(search_text__contains=f" {text}"), then=Value(2)),
                default=Value(3),
            )
        )
        airports = list(
            matches.order_by("match_rank", "traffic_rank", "name", "iata_code")[:AIRPORT_SEARCH_MAX_RESULTS]
        )
        cache.set(cache_key, airports, AIRPORT_SEARCH_CACHE_SECONDS, version=AIRPORT_SEARCH_CACHE_VERSION)
    return airports[: max(0, min(limit, AIRPORT_SEARCH_MAX_RESULTS))]


# --- Itineraries: direct flights and one-stop connections (DESIGN.md §3) -----------------

MIN_CONNECTION_DOMESTIC = timedelta(minutes=45)
MIN_CONNECTION_INTERNATIONAL = timedelta(minutes=60)
MAX_CONNECTION = timedelta(hours=6)
# Check-in closes an hour before departure: nothing later than that is offered.
BOOKING_CUTOFF = timedelta(minutes=60)

_ITINERARY_RELATED = ("airline", "origin", "destination", "aircraft")


def local_day_window(*, day: date, airport: Airport) -> tuple[datetime, datetime]:
    """The UTC instants where local date `day` starts and ends at `airport`."""
    return (
        clock.local_to_utc(day, time.min, airport.time_zone),
        clock.local_to_utc(day + timedelta(days=1), time.min, airport.time_zone),
    )


def itineraries_find(
    *, origin: Airport, destination: Airport, departure_date: date, max_stops: int = 1
) -> list[list[Flight]]:
    """Every way to fly from `origin` to `destination` leaving on local `departure_date`:
    direct flights, and (with `max_stops` 1) one-stop connections at the same airport whose
    second leg leaves between the minimum connection time (45 minutes when the whole
    journey stays in one country, else 60) and 6 hours after the first lands.

    The timetable is read as plain tuples by indexed queries (the route's flights; the
    day's other departures from the origin; the second legs from those airports to the
    destination), and only flights of real itineraries are loaded as objects, so the cost
    follows the answer, not the size of the timetable or of the hub."""
    day_start, day_end = local_day_window(day=departure_date, airport=origin)
    earliest = max(day_start, clock.now() + BOOKING_CUTOFF)
    bookable = Flight.objects.exclude(status=FlightStatus.CANCELLED)
    leaving = bookable.filter(origin=origin, departure_at__gte=earliest, departure_at__lt=day_end)
    if max_stops < 1:
        direct = leaving.filter(destination=destination)
        return [[f] for f in direct.select_related(*_ITINERARY_RELATED).order_by("departure_at")]

    first_legs = list(leaving.values_list("pk", "destination_id", "arrival_at"))
    ids: list[tuple[int, ...]] = [(pk,) for pk, to, _ in first_legs if to == destination.pk]
    connecting = [(pk, to, lands) for pk, to, lands in first_legs if to != destination.pk]
    if connecting:
        second_legs = bookable.filter(
            origin_id__in={to for _, to, _ in connecting},
            destination=destination,
            departure_at__gte=min(lands for _, _, lands in connecting) + MIN_CONNECTION_DOMESTIC,
            departure_at__lte=max(lands for _, _, lands in connecting) + MAX_CONNECTION,
        ).values_list("pk", "origin_id", "departure_at")
        onward: dict[int, list[tuple[int, datetime]]] = {}
        for pk, via, leaves in second_legs:
            onward.setdefault(via, []).append((pk, leaves))
        countries = dict(
            Airport.objects.filter(pk__in=set(onward) | {origin.pk, destination.pk}).values_list("pk", "country")
        )
        for first, via, lands in connecting:
            if via not in onward:
                continue
            domestic = countries[origin.pk] == countries[via] == countries[destination.pk]
            minimum = MIN_CONNECTION_DOMESTIC if domestic else MIN_CONNECTION_INTERNATIONAL
            ids.extend((first, second) for second, leaves in onward[via] if minimum <= leaves - lands <= MAX_CONNECTION)
    needed = {pk for itinerary in ids for pk in itinerary}
    flights = Flight.objects.select_related(*_ITINERARY_RELATED).in_bulk(needed)
    return sorted(([flights[pk] for pk in itinerary] for itinerary in ids), key=lambda legs: legs[0].departure_at)


def flight_is_bookable(*, flight: Flight) -> bool:
    """Not cancelled, and leaving later than the booking cutoff."""
    return flight.status != FlightStatus.CANCELLED and flight.departure_at >= clock.now() + BOOKING_CUTOFF


def flight_by_number(*, flight_number: str, departure_date: date) -> Flight | None:
    """The flight `BA117` (or `ba 0117`) leaving on local date `departure_date`."""
    compact = flight_number.replace(" ", "").upper()
    airline, number = compact[:2], compact[2:].lstrip("0")
    if not number.isdigit():
        return None
    return (
        Flight.objects.select_related(*_ITINERARY_RELATED)
        .filter(airline__iata_code=airline, number=number, departure_date=departure_date)
        .first()
    )


def flight_get(*, flight_id: int) -> Flight | None:
    return Flight.objects.select_related(*_ITINERARY_RELATED).filter(pk=flight_id).first()
