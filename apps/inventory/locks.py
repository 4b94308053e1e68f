"""The row locks of inventory: flights, then fare classes by primary key (the global
order and `lock_timeout` are in `apps.core.locks`)."""

from __future__ import annotations

from collections.abc import Iterable

from apps.core.locks import lock_timeout
from apps.flights.models import Flight
from apps.inventory.models import FareClass


def fare_classes_lock(*, ids: Iterable[int]) -> dict[int, FareClass]:
    """Lock the fare classes, in primary-key order, for the rest of the transaction."""
    with lock_timeout():
        rows = list(FareClass.objects.select_for_update().filter(pk__in=sorted(set(ids))).order_by("pk"))
    return {row.pk: row for row in rows}


def flight_lock(*, flight_id: int) -> Flight:
    """Lock a flight row (it comes before its fare classes in the lock order)."""
    with lock_timeout():
        return Flight.objects.select_for_update().get(pk=flight_id)
