"""Schedules and the dated flights they generate (writes; see services.py for the rest)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, time, timedelta

from django.db import transaction

from apps.core import clock
from apps.flights.models import AircraftType, Airline, Airport, Flight, Schedule


@dataclass(frozen=True)
class ScheduleSpec:
    airline: Airline
    number: str
    origin: Airport
    destination: Airport
    departure_time: time
    block_minutes: int
    aircraft: AircraftType
    valid_from: date
    valid_to: date
    days_of_week: str = "1234567"


def schedules_ensure(*, specs: list[ScheduleSpec]) -> list[Schedule]:
    """Create each schedule, or stretch the validity of the one already flying that flight
    number on that route so it covers the spec's period (idempotent)."""
    schedules = []
    with transaction.atomic():
        for spec in specs:
            schedule = Schedule.objects.filter(
                airline=spec.airline, number=spec.number, origin=spec.origin, destination=spec.destination
            ).first()
            if schedule is None:
                schedule = Schedule.objects.create(
                    airline=spec.airline,
                    number=spec.number,
                    origin=spec.origin,
                    destination=spec.destination,
                    departure_time=spec.departure_time,
                    block_minutes=spec.block_minutes,
                    aircraft=spec.aircraft,
                    valid_from=spec.valid_from,
                    valid_to=spec.valid_to,
                    days_of_week=spec.days_of_week,
                )
            elif schedule.valid_from > spec.valid_from or schedule.valid_to < spec.valid_to:
                schedule.valid_from = min(schedule.valid_from, spec.valid_from)
                schedule.valid_to = max(schedule.valid_to, spec.valid_to)
                schedule.save(update_fields=["valid_from", "valid_to"])
            schedules.append(schedule)
    return schedules


def _days(start: date, end: date) -> Iterator[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def flight_from_schedule(*, schedule: Schedule, day: date) -> Flight:
    """The dated flight of `schedule` leaving on local date `day` (unsaved). UTC times come
    from the origin's zone on that very day, so DST changes and overnight arrivals are right."""
    departure_at = clock.local_to_utc(day, schedule.departure_time, schedule.origin.time_zone)
    return Flight(
        airline_id=schedule.airline_id,
        number=schedule.number,
        origin_id=schedule.origin_id,
        destination_id=schedule.destination_id,
        departure_date=day,
        departure_at=departure_at,
        arrival_at=departure_at + timedelta(minutes=schedule.block_minutes),
        aircraft_id=schedule.aircraft_id,
        schedule=schedule,
    )


DayDone = Callable[[date, list[Flight]], None]


def flights_generate(*, start: date, end: date, on_day: DayDone | None = None) -> int:
    """Generate the flights of every schedule valid between `start` and `end` (inclusive).

    One transaction per day, so an interrupted run keeps the days it finished and a rerun
    skips what exists (idempotent, resumable). `on_day(day, flights)` runs inside that
    day's transaction with all of the day's flights, e.g. to open their fares.
    Returns the number of flights created."""
    schedules = list(Schedule.objects.filter(valid_from__lte=end, valid_to__gte=start).select_related("origin"))
    created = 0
    for day in _days(start, end):
        weekday = str(day.isoweekday())
        todays = [s for s in schedules if s.valid_from <= day <= s.valid_to and weekday in s.days_of_week]
        with transaction.atomic():
            before = Flight.objects.filter(departure_date=day).count()
            Flight.objects.bulk_create(
                [flight_from_schedule(schedule=s, day=day) for s in todays], batch_size=2000, ignore_conflicts=True
            )
            flights = list(
                Flight.objects.filter(departure_date=day).select_related("aircraft", "origin", "destination")
            )
            created += len(flights) - before
            if on_day is not None:
                on_day(day, flights)
    return created
