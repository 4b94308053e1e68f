"""Inventory writes. These run inside the caller's transaction (a booking or payment
service owns it) and lock fare classes through `locks.py` only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Sum

from apps.core import clock
from apps.core.errors import ValidationFailed
from apps.flights.aircraft import cabin_capacity
from apps.flights.models import Flight
from apps.inventory import locks
from apps.inventory.errors import HoldReleased, SeatUnavailable, SoldOut
from apps.inventory.fares import opening_fares
from apps.inventory.models import FareClass, Hold, HoldStatus, SeatAssignment


@dataclass(frozen=True)
class HoldRequest:
    fare_class_id: int
    quantity: int


def _give_back(holds: QuerySet[Hold], *, statuses: tuple[str, ...] = (HoldStatus.ACTIVE,)) -> int:
    """Release the given holds (active ones by default) and return their seats. The fare
    classes are locked by the caller."""
    holds = holds.filter(status__in=statuses)
    per_class = list(holds.values("fare_class_id").annotate(seats=Sum("quantity")))
    released = holds.update(status=HoldStatus.RELEASED)
    for row in per_class:
        FareClass.objects.filter(pk=row["fare_class_id"]).update(sold=F("sold") - row["seats"])
    return released


def inventory_hold(*, requests: list[HoldRequest], reference: str, expires_at: datetime) -> list[Hold]:
    """Hold seats on every fare class at once, or none: raises SoldOut if any lacks room."""
    with transaction.atomic():
        locked = locks.fare_classes_lock(ids=[r.fare_class_id for r in requests])
        if len(locked) != len({r.fare_class_id for r in requests}):
            raise SoldOut("This fare is no longer sold.")
        _give_back(Hold.objects.filter(fare_class_id__in=locked, expires_at__lte=clock.now()))
        needed: dict[int, int] = {}
        for request in requests:
            needed[request.fare_class_id] = needed.get(request.fare_class_id, 0) + request.quantity
        sold = dict(FareClass.objects.filter(pk__in=locked).values_list("pk", "sold"))
        for fare_class_id, quantity in needed.items():
            if locked[fare_class_id].capacity - sold[fare_class_id] < quantity:
                raise SoldOut()
        holds = []
        for request in requests:
            FareClass.objects.filter(pk=request.fare_class_id).update(sold=F("sold") + request.quantity)
            holds.append(
                Hold.objects.create(
                    fare_class_id=request.fare_class_id,
                    quantity=request.quantity,
                    reference=reference,
                    expires_at=expires_at,
                )
            )
        return holds


def inventory_hold_extend(*, reference: str, until: datetime) -> int:
    """Keep a booking's active holds and its seats at least until `until`; returns how
    many holds moved. A hold or seat already past its expiry is not revived: it may be
    someone else's by now."""
    now = clock.now()
    with transaction.atomic():
        holds = Hold.objects.filter(reference=reference, status=HoldStatus.ACTIVE)
        locks.fare_classes_lock(ids=holds.values_list("fare_class_id", flat=True))
        SeatAssignment.objects.filter(
            reference=reference, active=True, expires_at__gt=now, expires_at__lt=until
        ).update(expires_at=until)
        return holds.filter(expires_at__gt=now, expires_at__lt=until).update(expires_at=until)


def inventory_confirm(*, reference: str) -> int:
    """Turn a booking's holds into sales. Raises HoldReleased when any was given back.

    A hold past its expiry that nobody released yet still has its seats, so it confirms."""
    with transaction.atomic():
        holds = Hold.objects.filter(reference=reference)
        locks.fare_classes_lock(ids=holds.values_list("fare_class_id", flat=True))
        released = set(holds.filter(status=HoldStatus.RELEASED).values_list("fare_class_id", flat=True))
        kept = set(holds.exclude(status=HoldStatus.RELEASED).values_list("fare_class_id", flat=True))
        # A fare class whose hold was given back, and not held again since, has no seats for us.
        if released - kept:
            raise HoldReleased()
        if _seats_lost(reference=reference):
            raise HoldReleased("A seat of this booking was taken by someone else after its hold ran out.")
        SeatAssignment.objects.filter(reference=reference, active=True).update(expires_at=None)
        return holds.filter(status=HoldStatus.ACTIVE).update(status=HoldStatus.CONFIRMED)


def _seats_lost(*, reference: str) -> bool:
    """Whether a passenger of the booking lost their seat on some flight (given up to
    another customer after the hold ran out) without choosing another one."""
    pairs = SeatAssignment.objects.filter(reference=reference).values_list("flight_id", "passenger_ref", "active")
    seated = {(flight, passenger) for flight, passenger, active in pairs if active}
    return any((flight, passenger) not in seated for flight, passenger, _ in pairs)


def inventory_release(*, reference: str, sold_too: bool = False) -> int:
    """Give back a booking's held seats (expiry, cancelling before payment), and with
    `sold_too` its ticketed ones as well (cancelling a paid booking)."""
    statuses = (HoldStatus.ACTIVE, HoldStatus.CONFIRMED) if sold_too else (HoldStatus.ACTIVE,)
    with transaction.atomic():
        holds = Hold.objects.filter(reference=reference)
        locks.fare_classes_lock(ids=holds.values_list("fare_class_id", flat=True))
        return _give_back(holds, statuses=statuses)


def fare_classes_open(*, flights: list[Flight]) -> int:
    """Open the standard fare classes on every flight that has none yet; returns how many
    fare classes were created. Idempotent: flights that already sell are left alone."""
    ids = [flight.pk for flight in flights]
    selling = set(FareClass.objects.filter(flight_id__in=ids).values_list("flight_id", flat=True).distinct())
    capacities: dict[int, dict[str, int]] = {}  # per aircraft type: reading a layout is not free
    rows = []
    for flight in flights:
        if flight.pk in selling:
            continue
        if flight.aircraft_id not in capacities:
            capacities[flight.aircraft_id] = cabin_capacity(flight.aircraft.layout)
        capacity = capacities[flight.aircraft_id]
        rows.extend(FareClass(flight=flight, **values) for values in opening_fares(flight, capacity=capacity))
    FareClass.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
    return len(rows)


def seat_assign(
    *,
    flight: Flight,
    designator: str,
    reference: str,
    passenger_ref: int,
    price: Decimal,
    currency: str,
    expires_at: datetime | None,
) -> tuple[SeatAssignment, Decimal]:
    """Put a passenger in a seat, giving up the seat they had on that flight. Returns the
    new assignment and the price of the seat given up. `expires_at` is the booking's hold
    expiry (None once paid). A seat whose holder's hold ran out is free: its assignment is
    given up here. Raises SeatUnavailable if someone holds the seat: the partial unique
    index decides, so two racing clients cannot both win."""
    now = clock.now()
    with transaction.atomic():
        SeatAssignment.objects.filter(flight=flight, designator=designator, active=True, expires_at__lte=now).exclude(
            reference=reference
        ).update(active=False, released_at=now)
        previous = SeatAssignment.objects.filter(flight=flight, passenger_ref=passenger_ref, active=True).first()
        if previous is not None and previous.designator == designator:
            return previous, previous.price
        given_up = previous.price if previous is not None else Decimal("0")
        if previous is not None:
            SeatAssignment.objects.filter(pk=previous.pk).update(active=False, released_at=clock.now())
        try:
            with transaction.atomic():
                assignment = SeatAssignment.objects.create(
                    flight=flight,
                    designator=designator,
                    reference=reference,
                    passenger_ref=passenger_ref,
                    price=price,
                    currency=currency,
                    expires_at=expires_at,
                )
        except IntegrityError as exc:
            raise SeatUnavailable(f"Seat {designator} is taken.") from exc
        return assignment, given_up


def seats_reinstate(*, reference: str, expires_at: datetime) -> int:
    """Take back the seats a booking last had, after its hold was released (a payment that
    arrived late), held until `expires_at`. Raises SeatUnavailable when someone else has
    one of them meanwhile."""
    latest: dict[tuple[int, int], SeatAssignment] = {}
    for assignment in SeatAssignment.objects.filter(reference=reference).order_by("created_at", "pk"):
        latest[(assignment.flight_id, assignment.passenger_ref)] = assignment
    taken = 0
    now = clock.now()
    with transaction.atomic():
        for assignment in latest.values():
            if assignment.active:
                SeatAssignment.objects.filter(pk=assignment.pk).update(expires_at=expires_at)
                continue
            try:
                with transaction.atomic():
                    SeatAssignment.objects.filter(
                        flight_id=assignment.flight_id,
                        designator=assignment.designator,
                        active=True,
                        expires_at__lte=now,
                    ).update(active=False, released_at=now)
                    SeatAssignment.objects.create(
                        flight_id=assignment.flight_id,
                        designator=assignment.designator,
                        reference=reference,
                        passenger_ref=assignment.passenger_ref,
                        price=assignment.price,
                        currency=assignment.currency,
                        expires_at=expires_at,
                    )
            except IntegrityError as exc:
                raise SeatUnavailable(f"Seat {assignment.designator} is taken.") from exc
            taken += 1
    return taken


def seats_release(*, reference: str) -> int:
    """Free every seat of a booking (expiry or cancellation)."""
    return SeatAssignment.objects.filter(reference=reference, active=True).update(active=False, released_at=clock.now())


def overbooking_set(*, flight: Flight, allowance: int) -> FareClass:
    """Let the flight sell `allowance` economy seats beyond its seat count (0 to stop).

    The extra seats go to the most expensive economy bucket, the one that sells last.
    Refused when more than the new limit is already sold."""
    with transaction.atomic():
        # Flight row first, fare classes after: the global lock order.
        previous = locks.flight_lock(flight_id=flight.pk).overbooking_allowance
        top = FareClass.objects.filter(flight=flight, cabin="economy").order_by("-price", "-pk").first()
        if top is None:
            raise ValidationFailed("This flight sells no economy seats.")
        top = locks.fare_classes_lock(ids=[top.pk])[top.pk]
        capacity = top.capacity + allowance - previous
        if capacity < top.sold:
            raise ValidationFailed(f"{top.sold} seats of fare class {top.code} are already sold.")
        FareClass.objects.filter(pk=top.pk).update(capacity=capacity)
        Flight.objects.filter(pk=flight.pk).update(overbooking_allowance=allowance)
        top.capacity = capacity
        return top
