"""Seat prices: what a seat costs on top of the fare, by where it is."""

from __future__ import annotations

from decimal import Decimal

from apps.flights.aircraft import EXIT_ROW, EXTRA_LEGROOM, SeatSpec

EXTRA_LEGROOM_PRICE = Decimal("35.00")
FRONT_ROWS_PRICE = Decimal("15.00")
FRONT_ROWS = 3  # the first rows of the economy cabin, off the plane sooner


def seat_price(seat: SeatSpec, *, first_row_of_cabin: int) -> Decimal:
    """Free in premium cabins; in economy, legroom and the front rows cost extra."""
    if seat.cabin != "economy":
        return Decimal("0.00")
    if EXIT_ROW in seat.characteristics or EXTRA_LEGROOM in seat.characteristics:
        return EXTRA_LEGROOM_PRICE
    if seat.row < first_row_of_cabin + FRONT_ROWS:
        return FRONT_ROWS_PRICE
    return Decimal("0.00")
