from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import airportsdata
from django.db import transaction

from apps.core import clock
from apps.flights.models import AircraftType, Airline, Airport, Flight


def airports_import(*, codes: list[str] | None = None) -> int:
    """Create or update airports from airportsdata (IATA codes); idempotent. Returns the count."""
    source = airportsdata.load("IATA")
    wanted = codes if codes is not None else list(source)
    count = 0
    with transaction.atomic(durable=True):
        for code in wanted:
            row = source[code]
            Airport.objects.update_or_create(
                iata_code=code,
                defaults={
                    "name": row["name"],
                    "city": row["city"],
                    "country": row["country"],
                    "time_zone": row["tz"],
                    "latitude": Decimal(str(row["lat"])).quantize(Decimal("0.000001")),
                    "longitude": Decimal(str(row["lon"])).quantize(Decimal("0.000001")),
                },
            )
            count += 1
    return count


def flight_create(
    *,
    airline: Airline,
    number: str,
    origin: Airport,
    destination: Airport,
    departure_date: date,
    departure_time: time,
    block_minutes: int,
    aircraft: AircraftType,
) -> Flight:
    """A dated flight from its local departure time at the origin and its block time.
    Returns the existing flight when one already has this number on this date."""
    departure_at = clock.local_to_utc(departure_date, departure_time, origin.time_zone)
    flight, _ = Flight.objects.get_or_create(
        airline=airline,
        number=number,
        departure_date=departure_date,
        defaults={
            "origin": origin,
            "destination": destination,
            "departure_at": departure_at,
            "arrival_at": departure_at + timedelta(minutes=block_minutes),
            "aircraft": aircraft,
        },
    )
    return flight


def airline_ensure(*, iata_code: str, name: str, ticket_prefix: str) -> Airline:
    airline, _ = Airline.objects.get_or_create(
        iata_code=iata_code, defaults={"name": name, "ticket_prefix": ticket_prefix}
    )
    return airline


def aircraft_type_ensure(*, code: str, name: str) -> AircraftType:
    aircraft, _ = AircraftType.objects.get_or_create(code=code, defaults={"name": name})
    return aircraft
