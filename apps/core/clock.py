"""Time is aware UTC everywhere; shown in the local time of the airport concerned."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def local(moment: datetime, tz_name: str) -> datetime:
    """`moment` in the airport's zone, keeping its UTC offset (for ISO 8601 output)."""
    return moment.astimezone(ZoneInfo(tz_name))


def local_to_utc(day: date, at: time, tz_name: str) -> datetime:
    """A local wall-clock time at an airport on a day, as aware UTC. Across a DST gap or
    overlap, zoneinfo's `fold=0` picks the earlier reading, as airline schedules do."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(tz_name)).astimezone(ZoneInfo("UTC"))
