from __future__ import annotations

from dataclasses import dataclass

import airportsdata
from django.db import transaction

from apps.flights import aircraft as seat_layouts
from apps.flights import reference
from apps.flights.models import AircraftType, Airline, Airport

_AIRPORT_FIELDS = ("name", "city", "country", "time_zone", "latitude", "longitude", "search_text", "traffic_rank")


@dataclass(frozen=True)
class AirportImportSummary:
    created: int
    updated: int
    unchanged: int
    skipped: int  # airportsdata rows without a time zone: a flight there could not be timed

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def airports_import(*, codes: list[str] | None = None) -> int:
    """Create or update airports from airportsdata: every airport with an IATA code, or only
    `codes`; idempotent. Returns how many airports the import covered."""
    return airports_import_summary(codes=codes).total


def airports_import_summary(*, codes: list[str] | None = None) -> AirportImportSummary:
    """`airports_import`, saying what it changed. Writes in batches and only the rows that
    differ, so a full import takes seconds and a repeated one writes nothing. Raises
    `ValueError` for a code airportsdata does not know."""
    source = airportsdata.load("IATA")
    wanted = sorted({code.upper() for code in codes}) if codes is not None else sorted(source)
    unknown = [code for code in wanted if code not in source]
    if unknown:
        raise ValueError(f"Unknown IATA airport codes: {', '.join(unknown)}")
    records = [reference.airport_record(iata_code=code, source=source[code]) for code in wanted if source[code]["tz"]]
    with transaction.atomic(durable=True):
        existing = {
            row[0]: row[1:]
            for row in Airport.objects.filter(iata_code__in=[r["iata_code"] for r in records]).values_list(
                "iata_code", *_AIRPORT_FIELDS
            )
        }
        changed = [r for r in records if existing.get(r["iata_code"]) != tuple(r[f] for f in _AIRPORT_FIELDS)]
        Airport.objects.bulk_create(
            [Airport(**record) for record in changed],
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["iata_code"],
            update_fields=list(_AIRPORT_FIELDS),
        )
    created = sum(1 for r in changed if r["iata_code"] not in existing)
    return AirportImportSummary(
        created=created,
        updated=len(changed) - created,
        unchanged=len(records) - len(changed),
        skipped=len(wanted) - len(records),
    )


def airlines_ensure() -> dict[str, Airline]:
    """Create or update the reference airlines (`flights.reference.AIRLINES`); idempotent.
    Returns them by IATA code."""
    airlines = {}
    with transaction.atomic(durable=True):
        for spec in reference.AIRLINES:
            airlines[spec.iata_code], _ = Airline.objects.update_or_create(
                iata_code=spec.iata_code, defaults={"name": spec.name, "ticket_prefix": spec.ticket_prefix}
            )
    return airlines


def aircraft_types_ensure() -> dict[str, AircraftType]:
    """Create or update the reference aircraft types and their seat layouts
    (`flights.aircraft.AIRCRAFT_TYPES`); idempotent. Returns them by code."""
    for spec in seat_layouts.AIRCRAFT_TYPES:
        seat_layouts.seats(spec.layout)  # a contradictory layout fails here, before anything is written
    types = {}
    with transaction.atomic(durable=True):
        for spec in seat_layouts.AIRCRAFT_TYPES:
            types[spec.code], _ = AircraftType.objects.update_or_create(
                code=spec.code, defaults={"name": spec.name, "layout": spec.layout}
            )
    return types
