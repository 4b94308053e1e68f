"""The only module of inventory that takes row locks. Order: fare classes by primary key
(after any flight locks, before any seat locks). A lock wait longer than
LOCK_TIMEOUT becomes a polite 409 `try_again`, never a 500."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import OperationalError, connection

from apps.core.errors import TryAgain
from apps.flights.models import Flight
from apps.inventory.models import FareClass

LOCK_TIMEOUT = "3s"


@contextmanager
def lock_timeout() -> Iterator[None]:
    if not connection.in_atomic_block:
        raise RuntimeError("row locks are only taken inside a transaction")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    try:
        yield
    except OperationalError as exc:
        if getattr(getattr(exc, "__cause__", None), "sqlstate", None) == "55P03":  # lock_not_available
            raise TryAgain() from exc
        raise


def fare_classes_lock(*, ids: Iterable[int]) -> dict[int, FareClass]:
    """Lock the fare classes, in primary-key order, for the rest of the transaction."""
    with lock_timeout():
        rows = list(FareClass.objects.select_for_update().filter(pk__in=sorted(set(ids))).order_by("pk"))
    return {row.pk: row for row in rows}


def flight_lock(*, flight_id: int) -> Flight:
    """Lock a flight row (it comes before its fare classes in the lock order)."""
    with lock_timeout():
        return Flight.objects.select_for_update().get(pk=flight_id)
