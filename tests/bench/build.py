"""Fill a benchmark database with the bench network, through the project's own services.

Run by `tests.bench.databases` in a subprocess whose environment points the settings at
the bench database (settings read the environment when they are imported):

    python -m tests.bench.build prepare  --first-day 2025-01-01 --last-day 2025-12-31
    python -m tests.bench.build generate --first-day 2025-01-01 --last-day 2025-06-30
    python -m tests.bench.build check    --first-day 2025-01-01 --last-day 2025-12-31

`check` says whether the flights already there still match the project's code (fares
per aircraft, flights per day). `prepare` imports the airports, the reference airlines and aircraft types, and the
schedules of the network (idempotent); `generate` creates the dated flights of a range of
days with their fares, one transaction per day (`flights_generate` with
`fare_classes_open`), so several `generate` processes can share the year between them.

The network: eight airlines, each from its real hub among the busiest airports, flying
daily both ways to 170 spokes drawn from the 400 busiest airports (by `traffic_rank`):
8 x 170 x 2 = 2,720 flights a day, 992,800 over 365 days. Block times come from the
great-circle distance (`flights.geo`), as in the demo network. Departures from each hub
leave in banks, so that spoke-to-spoke trips connect there.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time as clock_time
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Bump when the network below changes: a bench database built from another one is rebuilt.
NETWORK_VERSION = "bench-network-1"

# airline -> its hub (all among the sixteen busiest airports of flights.reference).
HUBS: dict[str, str] = {
    "DL": "ATL",
    "EK": "DXB",
    "AA": "DFW",
    "BA": "LHR",
    "JL": "HND",
    "UA": "DEN",
    "TK": "IST",
    "LH": "FRA",
}
SPOKES_PER_HUB = 170
SPOKE_POOL = 400  # the busiest airports by traffic_rank, then by code
MAX_ROUTE_KM = 13_000  # no spoke beyond what a real airliner flies non-stop from that hub
FIRST_NUMBER = 1000
# Local departure times of the banks at every hub; inbound flights feed them.
BANKS = (time(7, 0), time(9, 30), time(12, 0), time(14, 30), time(17, 0), time(19, 30), time(22, 0))
# Local times are worked out on this day, so the timetable does not depend on the build date.
REFERENCE_DAY = date(2025, 1, 15)


def flights_per_day() -> int:
    return len(HUBS) * SPOKES_PER_HUB * 2


def _setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flightbook.settings.prod")
    django.setup()


def _aircraft_code(distance_km: float) -> str:
    if distance_km < 1500:
        return "A320"
    if distance_km < 3500:
        return "A321"
    return "B789" if distance_km < 9000 else "A359"


def _local_time(moment: datetime, tz_name: str) -> time:
    local = moment.astimezone(ZoneInfo(tz_name))
    return time(local.hour, local.minute - local.minute % 5)


def network_specs(*, first_day: date, last_day: date) -> list:
    """The schedules of the bench network, valid from `first_day` to `last_day`."""
    from apps.core import clock
    from apps.flights import services as flight_services
    from apps.flights.geo import block_minutes, great_circle_km
    from apps.flights.models import Airport
    from apps.flights.scheduling import ScheduleSpec

    airlines = flight_services.airlines_ensure()
    aircraft = flight_services.aircraft_types_ensure()
    pool = list(Airport.objects.order_by("traffic_rank", "iata_code")[:SPOKE_POOL])
    hubs = {code: Airport.objects.get(iata_code=iata) for code, iata in HUBS.items()}
    specs = []
    for code, hub in hubs.items():
        reachable = []
        for airport in pool:
            if airport.pk == hub.pk:
                continue
            distance = great_circle_km(hub.latitude, hub.longitude, airport.latitude, airport.longitude)
            if distance <= MAX_ROUTE_KM:
                reachable.append((airport, distance))
        spokes = random.Random(f"{NETWORK_VERSION}:{code}").sample(reachable, SPOKES_PER_HUB)
        for index, (spoke, distance) in enumerate(spokes):
            minutes = block_minutes(distance)
            bank = BANKS[index % len(BANKS)]
            leaves = time(bank.hour, bank.minute + 5 * (index // len(BANKS) % 6))
            lands = clock.local_to_utc(REFERENCE_DAY, leaves, hub.time_zone) + timedelta(minutes=minutes)
            turnaround = timedelta(minutes=60 if distance < 3500 else 120)
            returns = _local_time(lands + turnaround, spoke.time_zone)
            number = FIRST_NUMBER + 2 * index
            for origin, destination, departs, flight_number in (
                (hub, spoke, leaves, number),
                (spoke, hub, returns, number + 1),
            ):
                specs.append(
                    ScheduleSpec(
                        airline=airlines[code],
                        number=str(flight_number),
                        origin=origin,
                        destination=destination,
                        departure_time=departs,
                        block_minutes=minutes,
                        aircraft=aircraft[_aircraft_code(distance)],
                        valid_from=first_day,
                        valid_to=last_day,
                    )
                )
    return specs


def prepare(*, first_day: date, last_day: date) -> dict:
    from apps.flights import scheduling
    from apps.flights import services as flight_services

    started = clock_time.monotonic()
    airports = flight_services.airports_import()
    imported = clock_time.monotonic()
    specs = network_specs(first_day=first_day, last_day=last_day)
    scheduling.schedules_ensure(specs=specs)
    return {
        "airports": airports,
        "schedules": len(specs),
        "airports_seconds": round(imported - started, 2),
        "schedules_seconds": round(clock_time.monotonic() - imported, 2),
    }


def generate(*, first_day: date, last_day: date) -> dict:
    from apps.flights import scheduling
    from apps.inventory import services as inventory_services

    started = clock_time.monotonic()
    days = (last_day - first_day).days + 1
    done = {"days": 0, "fare_classes": 0}

    def open_fares(day: date, flights: list) -> None:
        done["fare_classes"] += inventory_services.fare_classes_open(flights=flights)
        done["days"] += 1
        if done["days"] % 30 == 0 or done["days"] == days:
            elapsed = clock_time.monotonic() - started
            print(f"  {first_day}..{last_day}: {done['days']}/{days} days, {elapsed:.0f}s", file=sys.stderr, flush=True)

    created = scheduling.flights_generate(start=first_day, end=last_day, on_day=open_fares)
    return {
        "flights": created,
        "fare_classes": done["fare_classes"],
        "seconds": round(clock_time.monotonic() - started, 2),
    }


def check(*, first_day: date, last_day: date) -> dict:
    """Whether the flights already there carry the fares the project's code opens today
    (one flight per aircraft type, compared field by field): fares change with the app,
    and a database built by older code would measure something else."""
    from apps.flights.models import Flight
    from apps.inventory.fares import opening_fares
    from apps.inventory.models import FareClass

    fields = ("cabin", "code", "brand", "price", "capacity", "refundable", "checked_bags")
    differences = []
    sample = (
        Flight.objects.filter(departure_date__range=(first_day, last_day))
        .order_by("aircraft_id", "pk")
        .distinct("aircraft_id")
        .select_related("aircraft", "origin", "destination")
    )
    for flight in sample:
        expected = sorted(tuple(str(fare[f]) for f in fields) for fare in opening_fares(flight))
        actual = sorted(
            tuple(str(value) for value in row) for row in FareClass.objects.filter(flight=flight).values_list(*fields)
        )
        if expected != actual:
            differences.append(f"{flight.aircraft.code}: {len(actual)} fare classes, the code opens {len(expected)}")
    days = (last_day - first_day).days + 1
    flights = Flight.objects.filter(departure_date__range=(first_day, last_day)).count()
    if flights != days * flights_per_day():
        differences.append(f"{flights} flights from {first_day} to {last_day}, expected {days * flights_per_day()}")
    return {"fresh": not differences, "differences": differences}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["prepare", "generate", "check"])
    parser.add_argument("--first-day", type=date.fromisoformat, required=True)
    parser.add_argument("--last-day", type=date.fromisoformat, required=True)
    args = parser.parse_args(argv)
    _setup_django()
    step = {"prepare": prepare, "generate": generate, "check": check}[args.step]
    result = step(first_day=args.first_day, last_day=args.last_day)
    # The last line of stdout is the result, for the parent process.
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
