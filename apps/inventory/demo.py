"""The demo network that `manage.py seed_demo` (and so `make run`) loads: every IATA
airport for autocomplete, real airlines flying from their hubs to about sixty airports on
six continents, schedules with block times from great-circle distance, their dated
flights with fares, and the demo accounts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apps.core import clock
from apps.flights import scheduling
from apps.flights import services as flight_services
from apps.flights.geo import block_minutes, great_circle_km
from apps.flights.models import AircraftType, Airline, Airport
from apps.inventory import services as inventory_services

EUROPE = ["LHR", "CDG", "FRA", "AMS", "MAD", "BCN", "FCO", "MUC", "ZRH", "VIE", "CPH", "OSL", "ARN", "HEL", "DUB",
          "LIS", "ATH", "IST", "PRG", "WAW", "BRU", "MXP", "MAN", "EDI", "NCE"]  # fmt: skip
NORTH_AMERICA = ["JFK", "BOS", "ORD", "LAX", "SFO", "MIA", "DFW", "ATL", "SEA", "YYZ", "YVR", "MEX", "IAD", "DEN"]
ASIA = ["DXB", "DOH", "SIN", "HKG", "NRT", "HND", "ICN", "BKK", "DEL", "BOM", "PVG", "KUL"]
REST = ["SYD", "MEL", "AKL", "JNB", "CPT", "CAI", "NBO", "GRU", "EZE", "BOG", "SCL"]

# airline: (hub, destinations). Each pair is flown both ways, daily (ultra long-haul 5 days a week).
NETWORK: dict[str, tuple[str, list[str]]] = {
    "BA": ("LHR", [a for a in EUROPE + NORTH_AMERICA if a != "LHR"] + ["DXB", "SIN", "HKG", "NRT", "DEL", "BOM",
                                                                        "JNB", "CPT", "SYD", "GRU", "CAI"]),
    "AF": ("CDG", [a for a in EUROPE if a not in ("CDG", "LHR")] + ["JFK", "BOS", "LAX", "MIA", "ATL", "YYZ",
                                                                     "MEX", "HND", "SIN", "BKK", "DXB", "GRU",
                                                                     "EZE", "BOG", "NBO", "JNB"]),
    "LH": ("FRA", [a for a in EUROPE if a not in ("FRA", "LHR", "CDG")] + ["JFK", "ORD", "SFO", "IAD", "DEN",
                                                                            "PVG", "DEL", "SIN", "ICN", "DOH"]),
    "AA": ("DFW", [a for a in NORTH_AMERICA if a != "DFW"] + ["LHR", "MAD", "CDG", "NRT", "GRU", "SCL", "EZE"]),
    "EK": ("DXB", ["LHR", "CDG", "FRA", "MAD", "FCO", "IST", "JFK", "LAX", "SIN", "HKG", "BKK", "DEL", "BOM",
                   "KUL", "SYD", "MEL", "AKL", "JNB", "CAI", "NBO", "DOH"]),
    "SQ": ("SIN", ["HKG", "NRT", "ICN", "BKK", "DEL", "BOM", "PVG", "KUL", "SYD", "MEL", "AKL", "SFO", "LAX"]),
}  # fmt: skip
FIRST_NUMBER = {"BA": 100, "AF": 100, "LH": 400, "AA": 100, "EK": 1, "SQ": 2}


def all_airports() -> list[str]:
    return sorted({hub for hub, _ in NETWORK.values()} | {a for _, spokes in NETWORK.values() for a in spokes})


def _aircraft_for(distance_km: float, airline: str, types: dict[str, AircraftType]) -> AircraftType:
    if distance_km < 1500:
        return types["B738" if airline == "AA" else "A320"]
    if distance_km < 3500:
        return types["B738" if airline == "AA" else "A321"]
    return types["B789" if distance_km < 9000 else "A359"]


def _local_time(moment: datetime, tz_name: str) -> time:
    local = moment.astimezone(ZoneInfo(tz_name))
    return time(local.hour, local.minute - local.minute % 5)


def _departures_from_hub(distance_km: float, index: int) -> list[time]:
    """Short hops fly three times a day in the hub's banks, medium routes twice, long-haul
    once, at times spread over the evening and midday so that they connect."""
    shift = (index * 10) % 60
    if distance_km < 1500:
        return [time(7, shift), time(12, shift), time(17, shift)]
    if distance_km < 4000:
        return [time(8, shift), time(15, shift)]
    return [time(10 + (index * 3) % 13, shift)]


def network_specs(
    *,
    airlines: dict[str, Airline],
    airports: dict[str, Airport],
    aircraft: dict[str, AircraftType],
    start: date,
    end: date,
) -> list[scheduling.ScheduleSpec]:
    """Both directions of every route: each outbound leaves the hub at one of its bank
    times; its return leaves after a turnaround at the destination."""
    specs = []
    for code, (hub_code, spokes) in NETWORK.items():
        hub, number = airports[hub_code], FIRST_NUMBER[code]
        for index, spoke_code in enumerate(spokes):
            spoke = airports[spoke_code]
            distance = great_circle_km(hub.latitude, hub.longitude, spoke.latitude, spoke.longitude)
            minutes = block_minutes(distance)
            plane = _aircraft_for(distance, code, aircraft)
            days = "13567" if distance > 12000 else "1234567"
            turnaround = timedelta(minutes=60 if distance < 3500 else 150)
            for leaves in _departures_from_hub(distance, index):
                lands = clock.local_to_utc(start, leaves, hub.time_zone) + timedelta(minutes=minutes)
                returns = _local_time(lands + turnaround, spoke.time_zone)
                for origin, destination, departs, flight_number in (
                    (hub, spoke, leaves, number),
                    (spoke, hub, returns, number + 1),
                ):
                    specs.append(
                        scheduling.ScheduleSpec(
                            airline=airlines[code],
                            number=str(flight_number),
                            origin=origin,
                            destination=destination,
                            departure_time=departs,
                            block_minutes=minutes,
                            aircraft=plane,
                            valid_from=start,
                            valid_to=end,
                            days_of_week=days,
                        )
                    )
                number += 2
    return specs


def demo_network_ensure(
    *, start: date, days: int, progress: Callable[[date, int], None] | None = None, all_airports_too: bool = True
) -> int:
    """Create the demo network and `days` days of flights from `start`, with fares.
    Idempotent. Returns how many flights were created now."""
    if all_airports_too:
        flight_services.airports_import()
    else:
        flight_services.airports_import(codes=all_airports())
    airports = {a.iata_code: a for a in Airport.objects.filter(iata_code__in=all_airports())}
    airlines = flight_services.airlines_ensure()
    aircraft = flight_services.aircraft_types_ensure()
    end = start + timedelta(days=days - 1)
    scheduling.schedules_ensure(
        specs=network_specs(airlines=airlines, airports=airports, aircraft=aircraft, start=start, end=end)
    )

    def open_fares(day: date, flights: list) -> None:
        inventory_services.fare_classes_open(flights=flights)
        if progress is not None:
            progress(day, len(flights))

    return scheduling.flights_generate(start=start, end=end, on_day=open_fares)
