"""The demo network that `make run` loads is a believable one (the flights issue, item 2)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from apps.core import clock
from apps.flights.models import Flight, Schedule
from apps.inventory.demo import demo_network_ensure
from apps.inventory.models import FareClass

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def start():
    return clock.now().date() + timedelta(days=1)


def test_demo_network_spans_continents_airlines_and_routes(start):
    demo_network_ensure(start=start, days=2, all_airports_too=False)

    schedules = Schedule.objects.select_related("origin", "destination", "airline")
    airports = {s.origin for s in schedules} | {s.destination for s in schedules}
    continents = {a.time_zone.split("/")[0] for a in airports}
    routes = {frozenset((s.origin_id, s.destination_id)) for s in schedules}
    departures_per_airline_airport = Counter((s.airline.iata_code, s.origin.iata_code) for s in schedules)
    hubs = {airline for (airline, _), count in departures_per_airline_airport.items() if count >= 20}

    assert len(airports) >= 40
    assert {"Europe", "America", "Asia"} <= continents
    assert len(routes) >= 150
    assert len(hubs) >= 2
    # Block times follow distance: London-Paris is short, London-Singapore long.
    block = {(s.origin.iata_code, s.destination.iata_code): s.block_minutes for s in schedules}
    assert 60 <= block["LHR", "CDG"] <= 100
    assert 12 * 60 <= block["LHR", "SIN"] <= 14 * 60


def test_every_demo_flight_sells_its_cabins_and_loading_again_adds_nothing(start):
    created = demo_network_ensure(start=start, days=1, all_airports_too=False)
    assert created == Flight.objects.count() > 300
    assert not Flight.objects.filter(fare_classes__isnull=True).exists()
    long_haul = Flight.objects.filter(aircraft__code__in=["B789", "A359"]).first()
    assert set(FareClass.objects.filter(flight=long_haul).values_list("cabin", flat=True)) == {
        "business",
        "premium_economy",
        "economy",
    }

    assert demo_network_ensure(start=start, days=1, all_airports_too=False) == 0
