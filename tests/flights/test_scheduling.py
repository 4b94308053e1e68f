"""Schedules become dated flights with the right UTC times across zones and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from apps.flights import scheduling
from apps.flights.models import Flight, Schedule
from tests.factories import AircraftTypeFactory, AirlineFactory, AirportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def london():
    return AirportFactory(iata_code="LHR", country="GB", time_zone="Europe/London")


@pytest.fixture
def new_york():
    return AirportFactory(iata_code="JFK", country="US", time_zone="America/New_York")


@pytest.fixture
def tokyo():
    return AirportFactory(iata_code="NRT", country="JP", time_zone="Asia/Tokyo")


def _schedule(origin, destination, *, departs: time, block: int, start: date, end: date, days="1234567"):
    return Schedule.objects.create(
        airline=AirlineFactory(),
        number="117",
        origin=origin,
        destination=destination,
        departure_time=departs,
        block_minutes=block,
        aircraft=AircraftTypeFactory(),
        valid_from=start,
        valid_to=end,
        days_of_week=days,
    )


def test_local_departure_time_stays_the_same_across_a_dst_change(london, new_york):
    # Britain moves its clocks forward on Sunday 28 March 2027.
    _schedule(london, new_york, departs=time(10, 0), block=480, start=date(2027, 3, 27), end=date(2027, 3, 28))
    scheduling.flights_generate(start=date(2027, 3, 27), end=date(2027, 3, 28))

    before, after = Flight.objects.order_by("departure_date")
    assert before.departure_at == datetime(2027, 3, 27, 10, 0, tzinfo=UTC)  # GMT
    assert after.departure_at == datetime(2027, 3, 28, 9, 0, tzinfo=UTC)  # BST, UTC+1
    assert after.arrival_at - after.departure_at == before.arrival_at - before.departure_at


def test_overnight_flight_lands_on_the_next_local_date(london, tokyo):
    _schedule(london, tokyo, departs=time(19, 0), block=14 * 60, start=date(2027, 1, 10), end=date(2027, 1, 10))
    scheduling.flights_generate(start=date(2027, 1, 10), end=date(2027, 1, 10))

    flight = Flight.objects.get()
    assert flight.departure_date == date(2027, 1, 10)
    landing = flight.arrival_at.astimezone(ZoneInfo("Asia/Tokyo"))
    # 19:00 GMT + 14 h = 09:00 UTC on the 11th = 18:00 in Tokyo.
    assert (landing.date(), landing.time()) == (date(2027, 1, 11), time(18, 0))


def test_flight_date_is_the_local_date_at_the_origin_even_when_utc_is_already_tomorrow(new_york, london):
    # 21:30 in New York on 10 January is 02:30 UTC on the 11th.
    _schedule(new_york, london, departs=time(21, 30), block=420, start=date(2027, 1, 10), end=date(2027, 1, 10))
    scheduling.flights_generate(start=date(2027, 1, 10), end=date(2027, 1, 10))

    flight = Flight.objects.get()
    assert flight.departure_date == date(2027, 1, 10)
    assert flight.departure_at == datetime(2027, 1, 11, 2, 30, tzinfo=UTC)


def test_only_the_scheduled_weekdays_fly(london, new_york):
    # 4-10 January 2027 is Monday to Sunday; fly Mondays, Wednesdays and Fridays.
    _schedule(
        london, new_york, departs=time(9, 0), block=480, start=date(2027, 1, 4), end=date(2027, 1, 10), days="135"
    )
    scheduling.flights_generate(start=date(2027, 1, 4), end=date(2027, 1, 10))

    assert sorted(Flight.objects.values_list("departure_date", flat=True)) == [
        date(2027, 1, 4),
        date(2027, 1, 6),
        date(2027, 1, 8),
    ]


def test_generating_again_creates_nothing_and_an_interrupted_run_resumes(london, new_york):
    _schedule(london, new_york, departs=time(9, 0), block=480, start=date(2027, 1, 1), end=date(2027, 1, 31))
    assert scheduling.flights_generate(start=date(2027, 1, 1), end=date(2027, 1, 10)) == 10  # stopped early
    assert scheduling.flights_generate(start=date(2027, 1, 1), end=date(2027, 1, 31)) == 21  # the rest
    assert scheduling.flights_generate(start=date(2027, 1, 1), end=date(2027, 1, 31)) == 0
    assert Flight.objects.count() == 31


def test_flights_are_generated_only_inside_the_schedules_validity(london, new_york):
    _schedule(london, new_york, departs=time(9, 0), block=480, start=date(2027, 1, 5), end=date(2027, 1, 6))
    scheduling.flights_generate(start=date(2027, 1, 1), end=date(2027, 1, 31))
    assert Flight.objects.count() == 2
