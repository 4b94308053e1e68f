"""Seat layouts as data: capacities, designators and seat characteristics."""

from __future__ import annotations

import pytest

from apps.flights import services
from apps.flights.aircraft import AIRCRAFT_TYPES, LayoutError, cabin_capacity, seats
from apps.flights.models import AircraftType

LAYOUTS = {spec.code: spec.layout for spec in AIRCRAFT_TYPES}


def _seat(code: str, designator: str):
    return next(seat for seat in seats(LAYOUTS[code]) if seat.designator == designator)


def _position(seat) -> str:
    return "+".join(c for c in seat.characteristics if c in ("window", "middle", "aisle"))


@pytest.mark.parametrize(
    ("code", "capacity"),
    [
        ("A320", {"business": 20, "economy": 144}),
        ("A321", {"business": 24, "economy": 171}),
        ("B738", {"business": 16, "economy": 162}),
        ("B789", {"business": 32, "premium_economy": 42, "economy": 193}),
        ("A359", {"business": 40, "premium_economy": 32, "economy": 219}),
    ],
)
def test_each_aircraft_type_sells_its_configured_seats_per_cabin(code, capacity):
    assert cabin_capacity(LAYOUTS[code]) == capacity


@pytest.mark.parametrize("code", sorted(LAYOUTS))
def test_every_seat_has_a_unique_designator(code):
    designators = [seat.designator for seat in seats(LAYOUTS[code])]
    assert len(designators) == len(set(designators))
    assert all(seat.designator == f"{seat.row}{seat.letter}" for seat in seats(LAYOUTS[code]))


def test_a_three_three_row_has_windows_then_middles_then_aisles():
    row = [_position(_seat("A320", f"20{letter}")) for letter in "ABCDEF"]
    assert row == ["window", "middle", "aisle", "aisle", "middle", "window"]


def test_a_three_three_three_row_has_two_aisles_and_a_middle_in_each_block():
    row = [_position(_seat("B789", f"35{letter}")) for letter in "ABCDEFHJK"]
    assert row == ["window", "middle", "aisle", "aisle", "middle", "aisle", "aisle", "middle", "window"]


def test_a_one_two_one_business_seat_by_the_window_also_has_the_aisle():
    row = [_position(_seat("B789", f"3{letter}")) for letter in "ADGK"]
    assert row == ["window+aisle", "aisle", "aisle", "window+aisle"]


def test_row_13_does_not_exist_on_narrow_bodies():
    for code in ("A320", "A321", "B738"):
        rows = {seat.row for seat in seats(LAYOUTS[code])}
        assert 13 not in rows
        assert {12, 14} <= rows


def test_missing_seats_do_not_exist_and_blocked_seats_exist_but_are_not_sold():
    layout = LAYOUTS["B789"]
    by_designator = {seat.designator: seat for seat in seats(layout)}
    assert "51A" not in by_designator
    assert by_designator["51E"].blocked
    assert not by_designator["51C"].blocked
    economy_seats = [seat for seat in seats(layout) if seat.cabin == "economy"]
    assert len(economy_seats) == 22 * 9 - 2
    assert cabin_capacity(layout)["economy"] == 22 * 9 - 2 - 3


def test_exit_rows_are_flagged_and_give_extra_legroom():
    assert {"exit_row", "extra_legroom"} <= set(_seat("A320", "11A").characteristics)
    assert {"exit_row", "extra_legroom"} <= set(_seat("A320", "12F").characteristics)
    assert "exit_row" not in _seat("A320", "10A").characteristics
    assert "exit_row" not in _seat("A320", "6A").characteristics
    assert "extra_legroom" in _seat("A320", "6A").characteristics


@pytest.mark.parametrize(
    "cabins",
    [
        [{"cabin": "economy", "first_row": 1, "last_row": 10, "letters": "ABC DEF"}] * 2,
        [{"cabin": "steerage", "first_row": 1, "last_row": 10, "letters": "ABC DEF"}],
        [{"cabin": "economy", "first_row": 1, "last_row": 10, "letters": "ABC  DEF"}],
        [{"cabin": "economy", "first_row": 1, "last_row": 10, "letters": "ABC DEF", "missing": ["11A"]}],
        [{"cabin": "economy", "first_row": 1, "last_row": 10, "letters": "ABC DEF", "blocked": ["5G"]}],
        [{"cabin": "economy", "first_row": 1, "last_row": 10, "letters": "ABC DEF", "exit_rows": [12]}],
    ],
    ids=["overlapping-rows", "unknown-cabin", "double-aisle", "missing-outside", "blocked-unknown", "exit-outside"],
)
def test_a_contradictory_layout_is_rejected(cabins):
    with pytest.raises(LayoutError):
        seats({"cabins": cabins})


@pytest.mark.django_db
def test_aircraft_types_ensure_stores_the_layouts_and_can_run_again():
    AircraftType.objects.create(code="A320", name="Airbus A320", layout={})

    first = services.aircraft_types_ensure()
    again = services.aircraft_types_ensure()

    assert sorted(first) == ["A320", "A321", "A359", "B738", "B789"]
    assert {code: t.pk for code, t in first.items()} == {code: t.pk for code, t in again.items()}
    assert AircraftType.objects.count() == 5
    assert cabin_capacity(AircraftType.objects.get(code="A320").layout) == {"business": 20, "economy": 144}
    assert AircraftType.objects.get(code="B789").name == "Boeing 787-9"
