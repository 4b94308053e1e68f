"""Reference airlines and the airport traffic ranking are real data."""

from __future__ import annotations

import airportsdata
import pytest

from apps.flights import services
from apps.flights.models import Airline
from apps.flights.reference import AIRLINES, MAJOR_AIRPORTS, traffic_rank


@pytest.mark.django_db
def test_airlines_ensure_creates_real_airlines_with_their_ticketing_prefixes_once():
    services.airlines_ensure()
    services.airlines_ensure()

    assert Airline.objects.count() == len(AIRLINES)
    prefixes = dict(Airline.objects.values_list("iata_code", "ticket_prefix"))
    assert prefixes["BA"] == "125"
    assert prefixes["AF"] == "057"
    assert prefixes["LH"] == "220"
    assert prefixes["AA"] == "001"


@pytest.mark.django_db
def test_airlines_ensure_corrects_an_airline_created_with_other_details():
    Airline.objects.create(iata_code="BA", name="Speedbird", ticket_prefix="999")

    airlines = services.airlines_ensure()

    assert airlines["BA"].name == "British Airways"
    assert Airline.objects.get(iata_code="BA").ticket_prefix == "125"


def test_major_airports_are_real_distinct_codes_busiest_first():
    known = airportsdata.load("IATA")
    assert len(MAJOR_AIRPORTS) >= 80
    assert len(set(MAJOR_AIRPORTS)) == len(MAJOR_AIRPORTS)
    assert all(code in known for code in MAJOR_AIRPORTS)
    assert MAJOR_AIRPORTS[:4] == ("ATL", "DXB", "DFW", "LHR")


def test_traffic_rank_is_the_position_in_the_busiest_list_then_international_airports():
    assert traffic_rank(iata_code="ATL", name="Hartsfield/Jackson Atlanta International Airport") == 1
    assert traffic_rank(iata_code="LHR", name="London Heathrow Airport") == 4
    international = traffic_rank(iata_code="YXU", name="London International Airport")
    airfield = traffic_rank(iata_code="LCY", name="London City Airport")
    assert len(MAJOR_AIRPORTS) < international < airfield
