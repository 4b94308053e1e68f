"""The search pages work without JavaScript: plain GET forms, clear empty and error states."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from apps.core import clock
from tests.factories import AirportFactory, FareClassFactory, FlightFactory

pytestmark = pytest.mark.django_db

DAY = clock.now().date() + timedelta(days=8)


@pytest.fixture
def route():
    london = AirportFactory(iata_code="LHR", city="London", country="GB", time_zone="Europe/London")
    paris = AirportFactory(iata_code="CDG", city="Paris", country="FR", time_zone="Europe/Paris")
    flights = []
    for hour, price in ((7, "90.00"), (18, "60.00")):
        departure = clock.local_to_utc(DAY, time(hour, 0), "Europe/London")
        flight = FlightFactory(
            origin=london, destination=paris, departure_at=departure, arrival_at=departure + timedelta(minutes=75)
        )
        FareClassFactory(flight=flight, price=price)
        flights.append(flight)
    return flights


def results(client, **params):
    query = {"origin": "LHR", "destination": "CDG", "departure_date": DAY.isoformat(), **params}
    return client.get("/search/", query)


def test_home_page_has_the_search_form(client):
    html = client.get("/").content.decode()
    for name in ("origin", "destination", "departure_date", "return_date", "adults", "children", "infants", "cabin"):
        assert f'name="{name}"' in html


def test_results_page_lists_offers_cheapest_first(client, route):
    response = results(client)
    html = response.content.decode()
    assert response.status_code == 200
    assert "London → Paris" in html
    assert html.index("60.00 EUR") < html.index("90.00 EUR")
    assert html.count('class="offer"') == 2


def test_sort_and_filters_are_plain_query_parameters(client, route):
    html = results(client, sort="departure").content.decode()
    assert html.index("90.00 EUR") < html.index("60.00 EUR")
    html = results(client, departure_to="12:00").content.decode()
    assert html.count('class="offer"') == 1
    assert "90.00 EUR" in html


def test_no_flights_is_a_clear_empty_state(client, route):
    html = results(client, departure_from="23:00").content.decode()
    assert "No flights found" in html


def test_bad_search_shows_what_to_fix_with_status_400(client, route):
    response = results(client, destination="LHR")
    assert response.status_code == 400
    assert "Please check your search" in response.content.decode()
    assert "must differ from the origin" in response.content.decode()


def test_flight_status_page_finds_a_flight_by_number_and_local_date(client, route):
    flight = route[0]
    response = client.get("/flights/status/", {"flight_number": flight.flight_number, "date": DAY.isoformat()})
    html = response.content.decode()
    assert response.status_code == 200
    assert flight.flight_number in html
    assert "Scheduled" in html
    assert "07:00" in html  # local time at London


def test_flight_status_page_says_when_there_is_no_such_flight(client, route):
    response = client.get("/flights/status/", {"flight_number": "ZZ999", "date": DAY.isoformat()})
    assert response.status_code == 404
    assert "No such flight" in response.content.decode()
