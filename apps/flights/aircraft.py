"""Seat layouts as data, and the pure functions that read them.

A layout is the JSON kept on `AircraftType.layout`:

    {"cabins": [{"cabin": "economy", "first_row": 6, "last_row": 30, "letters": "ABC DEF",
                 "exit_rows": [11, 12], "extra_legroom_rows": [6, 11, 12],
                 "missing": ["13A", ...], "blocked": ["30C"]}]}

`letters` spells one row from left to right with a space for each aisle. `missing` lists
seats that do not exist (a galley, a lavatory, the row 13 many airlines skip); `blocked`
lists seats that exist but are never sold (crew rest). Cabins are the values of
`inventory.models.Cabin`, spelled here as plain strings because flights sits below
inventory."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

CABINS = ("first", "business", "premium_economy", "economy")

WINDOW = "window"
MIDDLE = "middle"
AISLE = "aisle"
EXIT_ROW = "exit_row"
EXTRA_LEGROOM = "extra_legroom"

_DESIGNATOR = re.compile(r"^([1-9][0-9]{0,2})([A-Z])$")
_LETTERS = re.compile(r"^[A-Z]+( [A-Z]+)*$")


class LayoutError(ValueError):
    """A layout that does not describe a buildable cabin plan."""


@dataclass(frozen=True)
class SeatSpec:
    designator: str  # "12A"
    row: int
    letter: str
    cabin: str
    # Position first ("window", "middle" or "aisle"; a 1-2-1 window seat is also "aisle"),
    # then "exit_row" and "extra_legroom" where they apply.
    characteristics: tuple[str, ...]
    blocked: bool = False

    @property
    def sellable(self) -> bool:
        return not self.blocked


@dataclass(frozen=True)
class AircraftTypeSpec:
    code: str
    name: str
    layout: dict[str, Any]


def seats(layout: dict[str, Any]) -> list[SeatSpec]:
    """Every seat that exists in `layout` (blocked ones flagged), front to back and left
    to right. Raises `LayoutError` when the layout contradicts itself."""
    result: list[SeatSpec] = []
    used_rows: set[int] = set()
    for cabin in layout.get("cabins", []):
        result.extend(_cabin_seats(cabin, used_rows))
    return sorted(result, key=lambda seat: seat.row)


def cabin_capacity(layout: dict[str, Any]) -> dict[str, int]:
    """Sellable seats per cabin (existing and not blocked), in the layout's cabin order."""
    capacity = {cabin["cabin"]: 0 for cabin in layout.get("cabins", [])}
    for seat in seats(layout):
        if seat.sellable:
            capacity[seat.cabin] += 1
    return capacity


def _cabin_seats(cabin: dict[str, Any], used_rows: set[int]) -> list[SeatSpec]:
    name = cabin.get("cabin")
    if name not in CABINS:
        raise LayoutError(f"Unknown cabin {name!r}; expected one of {', '.join(CABINS)}.")
    first_row, last_row, letters = cabin.get("first_row"), cabin.get("last_row"), cabin.get("letters", "")
    if not (isinstance(first_row, int) and isinstance(last_row, int) and 1 <= first_row <= last_row <= 999):
        raise LayoutError(f"{name}: rows must run from first_row to last_row within 1-999.")
    if not _LETTERS.match(letters) or len(set(letters.replace(" ", ""))) != len(letters.replace(" ", "")):
        raise LayoutError(f"{name}: letters {letters!r} must be distinct capitals with single spaces for aisles.")
    rows = range(first_row, last_row + 1)
    if used_rows.intersection(rows):
        raise LayoutError(f"{name}: rows {first_row}-{last_row} overlap another cabin.")
    used_rows.update(rows)

    exit_rows = _rows_within(cabin.get("exit_rows", []), rows, name, "exit_rows")
    extra_legroom_rows = _rows_within(cabin.get("extra_legroom_rows", []), rows, name, "extra_legroom_rows")
    positions = _positions(letters)
    missing = _designators_within(cabin.get("missing", []), rows, positions, name, "missing")
    blocked = _designators_within(cabin.get("blocked", []), rows, positions, name, "blocked")
    if missing & blocked:
        raise LayoutError(f"{name}: {', '.join(sorted(missing & blocked))} cannot be both missing and blocked.")

    result = []
    for row in rows:
        extras = ((EXIT_ROW,) if row in exit_rows else ()) + ((EXTRA_LEGROOM,) if row in extra_legroom_rows else ())
        for letter, position in positions.items():
            designator = f"{row}{letter}"
            if designator in missing:
                continue
            result.append(
                SeatSpec(
                    designator=designator,
                    row=row,
                    letter=letter,
                    cabin=name,
                    characteristics=position + extras,
                    blocked=designator in blocked,
                )
            )
    return result


def _positions(letters: str) -> dict[str, tuple[str, ...]]:
    """Each letter's place across the row: the outermost seats are windows, those beside a
    space are on an aisle, the rest are middles."""
    blocks = letters.split(" ")
    positions: dict[str, tuple[str, ...]] = {}
    for b, block in enumerate(blocks):
        for i, letter in enumerate(block):
            window = (b == 0 and i == 0) or (b == len(blocks) - 1 and i == len(block) - 1)
            aisle = (i == 0 and b > 0) or (i == len(block) - 1 and b < len(blocks) - 1)
            position = ((WINDOW,) if window else ()) + ((AISLE,) if aisle else ())
            positions[letter] = position or (MIDDLE,)
    return positions


def _rows_within(values: Iterable[int], rows: range, cabin: str, key: str) -> set[int]:
    outside = [value for value in values if value not in rows]
    if outside:
        raise LayoutError(f"{cabin}: {key} {outside} are outside rows {rows.start}-{rows.stop - 1}.")
    return set(values)


def _designators_within(
    values: Iterable[str], rows: range, positions: dict[str, tuple[str, ...]], cabin: str, key: str
) -> set[str]:
    result = set()
    for value in values:
        match = _DESIGNATOR.match(value)
        if not match or int(match[1]) not in rows or match[2] not in positions:
            raise LayoutError(f"{cabin}: {key} names {value!r}, which is not a seat of this cabin.")
        result.add(value)
    return result


def _row(number: int, letters: str) -> list[str]:
    """Every designator of one row, for a row that does not exist (row 13)."""
    return [f"{number}{letter}" for letter in letters.replace(" ", "")]


def _cabin(
    cabin: str,
    first_row: int,
    last_row: int,
    letters: str,
    *,
    exit_rows: Iterable[int] = (),
    extra_legroom_rows: Iterable[int] = (),
    missing: Iterable[str] = (),
    blocked: Iterable[str] = (),
) -> dict[str, Any]:
    return {
        "cabin": cabin,
        "first_row": first_row,
        "last_row": last_row,
        "letters": letters,
        "exit_rows": list(exit_rows),
        "extra_legroom_rows": list(extra_legroom_rows),
        "missing": list(missing),
        "blocked": list(blocked),
    }


# Usual two- and three-cabin configurations of European and long-haul carriers. Narrow
# bodies sell a 2-2 business cabin and skip row 13; wide bodies have 1-2-1 business suites,
# a 2-3-2 or 2-4-2 premium economy and a 3-3-3 economy tapering at the tail.
AIRCRAFT_TYPES: tuple[AircraftTypeSpec, ...] = (
    AircraftTypeSpec(
        code="A320",
        name="Airbus A320",
        layout={
            "cabins": [
                _cabin("business", 1, 5, "AC DF"),
                _cabin(
                    "economy",
                    6,
                    30,
                    "ABC DEF",
                    exit_rows=[11, 12],
                    extra_legroom_rows=[6, 11, 12],
                    missing=_row(13, "ABC DEF"),
                ),
            ]
        },
    ),
    AircraftTypeSpec(
        code="A321",
        name="Airbus A321",
        layout={
            "cabins": [
                _cabin("business", 1, 6, "AC DF"),
                _cabin(
                    "economy",
                    7,
                    36,
                    "ABC DEF",
                    exit_rows=[20, 21],
                    extra_legroom_rows=[7, 20, 21],
                    # The rear lavatory takes the right-hand side of the last row.
                    missing=[*_row(13, "ABC DEF"), "36D", "36E", "36F"],
                ),
            ]
        },
    ),
    AircraftTypeSpec(
        code="B738",
        name="Boeing 737-800",
        layout={
            "cabins": [
                _cabin("business", 1, 4, "AC DF"),
                _cabin(
                    "economy",
                    5,
                    32,
                    "ABC DEF",
                    exit_rows=[15, 16],
                    extra_legroom_rows=[5, 15, 16],
                    missing=_row(13, "ABC DEF"),
                ),
            ]
        },
    ),
    AircraftTypeSpec(
        code="B789",
        name="Boeing 787-9",
        layout={
            "cabins": [
                _cabin("business", 1, 8, "A DG K"),
                _cabin("premium_economy", 20, 25, "AC DEF HK", extra_legroom_rows=[20]),
                _cabin(
                    "economy",
                    30,
                    51,
                    "ABC DEF HJK",
                    exit_rows=[30],
                    extra_legroom_rows=[30],
                    # The fuselage narrows at the last row; its middle block rests the crew.
                    missing=["51A", "51K"],
                    blocked=["51D", "51E", "51F"],
                ),
            ]
        },
    ),
    AircraftTypeSpec(
        code="A359",
        name="Airbus A350-900",
        layout={
            "cabins": [
                _cabin("business", 1, 10, "A DG K"),
                _cabin("premium_economy", 20, 23, "AC DEFG HK", extra_legroom_rows=[20]),
                _cabin(
                    "economy",
                    30,
                    54,
                    "ABC DEF HJK",
                    exit_rows=[30, 43],
                    extra_legroom_rows=[30, 43],
                    # Lavatories sit in the middle block at the door 3 exits.
                    missing=["43D", "43E", "43F"],
                    blocked=["54D", "54E", "54F"],
                ),
            ]
        },
    ),
)
