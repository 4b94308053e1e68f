"""`manage.py import_airports` loads every real airport, quickly and idempotently."""

from __future__ import annotations

from io import StringIO

import airportsdata
import pytest
from django.core.management import CommandError, call_command

from apps.flights import services
from apps.flights.models import Airport

pytestmark = pytest.mark.django_db

WITH_TIME_ZONE = sum(1 for row in airportsdata.load("IATA").values() if row["tz"])


def _import(*codes: str) -> str:
    out = StringIO()
    call_command("import_airports", *codes, stdout=out)
    return out.getvalue()


def test_import_airports_loads_thousands_of_airports_and_a_second_run_changes_nothing():
    first = _import()
    assert Airport.objects.count() == WITH_TIME_ZONE > 7000
    assert f"{WITH_TIME_ZONE} created, 0 updated, 0 unchanged" in first

    second = _import()
    assert Airport.objects.count() == WITH_TIME_ZONE
    assert f"0 created, 0 updated, {WITH_TIME_ZONE} unchanged" in second


def test_import_airports_writes_in_batches_not_row_by_row(django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        services.airports_import()
    assert Airport.objects.count() == WITH_TIME_ZONE


def test_import_airports_fills_time_zone_search_text_and_traffic_rank():
    services.airports_import(codes=["LHR", "ATL", "ZRH", "LCJ", "YXU"])

    heathrow = Airport.objects.get(iata_code="LHR")
    assert (heathrow.city, heathrow.country, heathrow.time_zone) == ("London", "GB", "Europe/London")
    assert heathrow.search_text == "lhr london london heathrow airport"
    assert heathrow.traffic_rank == 4
    assert Airport.objects.get(iata_code="ATL").traffic_rank == 1
    assert Airport.objects.get(iata_code="LCJ").search_text.startswith("lcj lodz lodz wladyslaw reymont")
    assert Airport.objects.get(iata_code="YXU").traffic_rank > 80


def test_import_airports_names_the_city_travellers_know_and_keeps_the_data_spelling_searchable():
    services.airports_import(codes=["YYZ", "MUC"])

    toronto = Airport.objects.get(iata_code="YYZ")
    assert toronto.city == "Toronto"
    assert toronto.search_text == "yyz toronto toronto pearson international airport |mississauga"
    assert Airport.objects.get(iata_code="MUC").search_text.endswith(" |munchen")


def test_import_airports_restores_an_airport_edited_by_hand():
    services.airports_import(codes=["LHR", "JFK"])
    Airport.objects.filter(iata_code="LHR").update(name="Heathrow", traffic_rank=7)

    output = _import("LHR", "JFK")

    assert "0 created, 1 updated, 1 unchanged" in output
    heathrow = Airport.objects.get(iata_code="LHR")
    assert (heathrow.name, heathrow.traffic_rank) == ("London Heathrow Airport", 4)


def test_import_airports_names_the_unknown_code():
    with pytest.raises(CommandError, match="ZZX"):
        _import("LHR", "ZZX")
    assert not Airport.objects.exists()


def test_airports_import_keeps_counting_for_the_demo_network():
    assert services.airports_import(codes=["LHR", "CDG"]) == 2
    assert services.airports_import(codes=["LHR", "CDG"]) == 2
