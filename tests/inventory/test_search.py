"""Flight search: connections, pricing for the passenger mix, filters, sorts, pages, cache
and every bad input (the flights issue, items 3, 7 and 8)."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest

from apps.core import clock
from apps.flights.models import Airport
from tests.factories import AirlineFactory, AirportFactory, FareClassFactory, FlightFactory

pytestmark = pytest.mark.django_db

DAY = clock.now().date() + timedelta(days=10)


@pytest.fixture
def airports() -> dict[str, Airport]:
    spec = {
        "LHR": ("GB", "Europe/London"),
        "MAN": ("GB", "Europe/London"),
        "EDI": ("GB", "Europe/London"),
        "CDG": ("FR", "Europe/Paris"),
        "ORY": ("FR", "Europe/Paris"),
        "JFK": ("US", "America/New_York"),
    }
    return {code: AirportFactory(iata_code=code, country=c, time_zone=tz) for code, (c, tz) in spec.items()}


def fly(airports, origin, destination, departs: time, minutes: int, *, airline="BA", price="100.00", capacity=100,
        day: date = DAY):  # fmt: skip
    """A flight leaving at local `departs` on `day`, with one economy fare."""
    departure_at = clock.local_to_utc(day, departs, airports[origin].time_zone)
    flight = FlightFactory(
        airline=AirlineFactory(iata_code=airline, ticket_prefix={"BA": "125", "AF": "057"}[airline]),
        origin=airports[origin],
        destination=airports[destination],
        departure_date=day,
        departure_at=departure_at,
        arrival_at=departure_at + timedelta(minutes=minutes),
    )
    FareClassFactory(flight=flight, price=Decimal(price), capacity=capacity)
    return flight


def search(client, **params):
    query = {"origin": "LHR", "destination": "JFK", "departure_date": DAY.isoformat(), **params}
    return client.get("/api/v1/flights/search/", query)


def flight_numbers(response) -> list[list[str]]:
    return [
        [seg["flight_number"] for sl in offer["slices"] for seg in sl["segments"]]
        for offer in response.json()["results"]
    ]


class TestConnections:
    def test_connection_respects_minimum_and_maximum_connection_times(self, client, airports):
        first = fly(airports, "LHR", "CDG", time(8, 0), 75)  # lands 10:15 Paris time
        fly(airports, "CDG", "JFK", time(10, 45), 480)  # 30 min: too short for an international change
        ok = fly(airports, "CDG", "JFK", time(11, 30), 480)  # 75 min: fine
        fly(airports, "CDG", "JFK", time(17, 0), 480)  # 6 h 45: too long

        assert flight_numbers(search(client)) == [[first.flight_number, ok.flight_number]]

    def test_domestic_connection_may_be_45_minutes_but_international_needs_60(self, client, airports):
        fly(airports, "MAN", "LHR", time(7, 0), 60)  # lands 08:00
        domestic = fly(airports, "LHR", "EDI", time(8, 50), 80)  # 50 min later
        fly(airports, "LHR", "JFK", time(8, 50), 480)  # also 50 min later, but abroad

        edinburgh = client.get(
            "/api/v1/flights/search/", {"origin": "MAN", "destination": "EDI", "departure_date": DAY.isoformat()}
        )
        new_york = client.get(
            "/api/v1/flights/search/", {"origin": "MAN", "destination": "JFK", "departure_date": DAY.isoformat()}
        )
        assert [numbers[-1] for numbers in flight_numbers(edinburgh)] == [domestic.flight_number]
        assert flight_numbers(new_york) == []

    def test_no_connection_leaves_before_the_first_flight_lands(self, client, airports):
        fly(airports, "LHR", "CDG", time(8, 0), 75)  # lands 10:15 Paris time
        fly(airports, "CDG", "JFK", time(10, 0), 480)
        assert flight_numbers(search(client)) == []

    def test_no_connection_between_two_airports_of_one_city(self, client, airports):
        fly(airports, "LHR", "CDG", time(8, 0), 75)
        fly(airports, "ORY", "JFK", time(12, 0), 480)
        assert flight_numbers(search(client)) == []

    def test_direct_flights_and_connections_are_both_offered_with_their_stops(self, client, airports):
        fly(airports, "LHR", "JFK", time(9, 0), 480, price="500.00")
        fly(airports, "LHR", "CDG", time(8, 0), 75, price="80.00")
        fly(airports, "CDG", "JFK", time(11, 30), 480, price="300.00")

        offers = search(client).json()["results"]
        assert [(o["slices"][0]["stops"], o["total_amount"]) for o in offers] == [(1, "380.00"), (0, "500.00")]


def test_price_covers_adults_children_and_lap_infants(client, airports):
    fly(airports, "LHR", "JFK", time(9, 0), 480, price="200.00")
    offer = search(client, adults=2, children=1, infants=1).json()["results"][0]
    # 2 x 200 + 75% for the child + 10% for the infant on a lap.
    assert offer["total_amount"] == "570.00"
    assert offer["passengers"] == {"adults": 2, "children": 1, "infants": 1}


def test_times_are_local_to_each_airport_with_their_utc_offset(client, airports):
    fly(airports, "LHR", "JFK", time(9, 0), 480)
    segment = search(client).json()["results"][0]["slices"][0]["segments"][0]
    london = clock.local(clock.local_to_utc(DAY, time(9, 0), "Europe/London"), "Europe/London")
    assert segment["departure_at"] == london.isoformat()
    assert segment["departure_at"].startswith(f"{DAY.isoformat()}T09:00:00")
    assert segment["arrival_at"][-6:] in ("-05:00", "-04:00")  # New York time


def test_seats_remaining_is_shown_only_when_few_are_left(client, airports):
    fly(airports, "LHR", "JFK", time(9, 0), 480, capacity=4)
    fly(airports, "LHR", "JFK", time(13, 0), 480, capacity=200)
    offers = search(client, sort="departure").json()["results"]
    assert [o["seats_remaining"] for o in offers] == [4, None]


def test_flight_without_enough_seats_for_the_party_is_not_offered(client, airports):
    fly(airports, "LHR", "JFK", time(9, 0), 480, capacity=2)
    assert search(client, adults=2, infants=2).json()["count"] == 1  # infants need no seat
    assert search(client, adults=2, children=1).json()["count"] == 0


class TestFiltersAndSorts:
    @pytest.fixture
    def three_ways(self, airports):
        cheap_slow = fly(airports, "LHR", "CDG", time(6, 0), 75, airline="AF", price="50.00")
        second = fly(airports, "CDG", "JFK", time(12, 0), 480, airline="AF", price="250.00")
        direct_early = fly(airports, "LHR", "JFK", time(7, 0), 480, price="400.00")
        direct_late = fly(airports, "LHR", "JFK", time(18, 0), 450, price="350.00")
        return cheap_slow, second, direct_early, direct_late

    def test_sort_by_price_duration_and_departure(self, client, three_ways):
        cheap, second, early, late = three_ways
        connection = [cheap.flight_number, second.flight_number]
        assert flight_numbers(search(client, sort="price")) == [connection, [late.flight_number], [early.flight_number]]
        assert flight_numbers(search(client, sort="duration")) == [
            [late.flight_number],
            [early.flight_number],
            connection,
        ]
        assert flight_numbers(search(client, sort="departure")) == [
            connection,
            [early.flight_number],
            [late.flight_number],
        ]

    def test_direct_only(self, client, three_ways):
        assert all(len(numbers) == 1 for numbers in flight_numbers(search(client, max_stops=0)))
        assert search(client, max_stops=0).json()["count"] == 2

    def test_airline_filter_keeps_itineraries_flown_only_by_those_airlines(self, client, three_ways):
        assert search(client, airlines="af").json()["count"] == 1
        assert search(client, airlines="BA,AF").json()["count"] == 3

    def test_max_price_and_departure_window(self, client, three_ways):
        assert search(client, max_price="360").json()["count"] == 2
        window = search(client, departure_from="06:30", departure_to="12:00")
        assert flight_numbers(window) == [[three_ways[2].flight_number]]

    def test_results_are_paginated(self, client, three_ways):
        first = search(client, page_size=2).json()
        assert (first["count"], len(first["results"]), first["previous"]) == (3, 2, None)
        assert "page=2" in first["next"]
        assert len(search(client, page_size=2, page=2).json()["results"]) == 1


def test_round_trip_pairs_an_outbound_with_a_later_return(client, airports):
    out = fly(airports, "LHR", "JFK", time(9, 0), 480, price="300.00")
    back = fly(airports, "JFK", "LHR", time(18, 0), 420, price="280.00", day=DAY + timedelta(days=7))
    offers = search(client, return_date=(DAY + timedelta(days=7)).isoformat()).json()["results"]
    assert len(offers) == 1
    assert [s["segments"][0]["flight_number"] for s in offers[0]["slices"]] == [out.flight_number, back.flight_number]
    assert offers[0]["total_amount"] == "580.00"


def test_repeated_search_is_answered_from_the_cache_without_queries(client, airports, django_assert_num_queries):
    fly(airports, "LHR", "JFK", time(9, 0), 480)
    first = search(client)
    assert first["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        again = search(client)
    assert again["X-Cache"] == "hit"
    assert again.json() == first.json()


def test_booking_from_a_cached_offer_still_rechecks_availability(client, airports):
    from apps.inventory.models import FareClass

    flight = fly(airports, "LHR", "JFK", time(9, 0), 480, capacity=1)
    search(client)
    FareClass.objects.filter(flight=flight).update(sold=1)
    cached = search(client)
    assert cached["X-Cache"] == "hit"  # the cache may still show it for a minute ...
    from apps.bookings import services
    from apps.inventory.errors import SoldOut

    with pytest.raises(SoldOut):  # ... but booking it is refused
        services.booking_create(
            offer_id=cached.json()["results"][0]["id"],
            passengers=[
                services.PassengerInput(
                    type="adult",
                    given_name="Ada",
                    family_name="Lovelace",
                    date_of_birth=date(1990, 12, 10),
                    document_type="passport",
                    document_number="123456789",
                    document_country="GB",
                    nationality="GB",
                    document_expires_on=DAY + timedelta(days=3650),
                )
            ],
            contact=services.ContactInput(email="ada@example.com"),
            user=None,
        )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"origin": "XXX"}, "origin"),
        ({"origin": "L1R"}, "origin"),
        ({"origin": "LHR "}, "origin"),
        ({"destination": "LHR"}, "destination"),
        ({"departure_date": "2020-01-01"}, "departure_date"),
        ({"departure_date": "next friday"}, "departure_date"),
        ({"return_date": "2020-01-01"}, "return_date"),
        ({"adults": 5, "children": 5}, "adults"),
        ({"adults": 10}, "adults"),
        ({"adults": 1, "infants": 2}, "infants"),
        ({"cabin": "cargo"}, "cabin"),
        ({"sort": "cheapest"}, "sort"),
        ({"max_stops": 3}, "max_stops"),
        ({"airlines": "B@"}, "airlines"),
        ({"departure_from": "25:00"}, "departure_from"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": 101}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
    ],
)
def test_bad_input_answers_400_naming_the_field(client, airports, params, field):
    response = search(client, **params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "validation_error"
    assert field in body["errors"]


def test_missing_required_fields_are_named(client):
    body = client.get("/api/v1/flights/search/").json()
    assert set(body["errors"]) == {"origin", "destination", "departure_date"}
