"""`GET /api/v1/airports/?q=`: airport autocomplete by code, city or name."""

from __future__ import annotations

import pytest

from apps.flights import services
from tests.factories import SearchableAirportFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/airports/"


@pytest.fixture
def world_airports():
    services.airports_import()


def _codes(api_client, q: str, **params) -> list[str]:
    response = api_client.get(URL, {"q": q, **params})
    assert response.status_code == 200, response.content
    return [airport["iata_code"] for airport in response.json()["results"]]


def test_an_exact_code_comes_first(api_client, world_airports):
    assert _codes(api_client, "jfk")[0] == "JFK"
    assert _codes(api_client, "ORD")[0] == "ORD"


def test_a_city_prefix_lists_its_busiest_airports_before_small_ones(api_client, world_airports):
    assert _codes(api_client, "lon")[:2] == ["LHR", "LGW"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("zurich", {"ZRH"}),
        ("Zürich", {"ZRH"}),
        ("sao paulo", {"GRU", "CGH"}),
        ("São Paulo", {"GRU", "CGH"}),
        ("munich", {"MUC"}),
        ("München", {"MUC"}),
        ("lodz", {"LCJ"}),
        ("TROMSO", {"TOS"}),
        ("o'hare", {"ORD"}),
    ],
)
def test_search_ignores_accents_and_case(api_client, world_airports, q, expected):
    assert expected <= set(_codes(api_client, q)[: len(expected)])


def test_a_name_finds_the_airport_whose_city_is_a_suburb(api_client, world_airports):
    assert "YUL" in _codes(api_client, "trudeau")
    assert _codes(api_client, "toronto")[0] == "YYZ"


def test_the_local_name_of_a_city_counts_as_its_name(api_client, world_airports):
    assert _codes(api_client, "roma")[:2] == ["FCO", "CIA"]
    assert _codes(api_client, "new york")[:3] == ["JFK", "EWR", "LGA"]
    assert _codes(api_client, "kobenhavn") == ["CPH"]


def test_matches_rank_code_then_city_prefix_then_word_prefix_then_inside_a_word(api_client):
    SearchableAirportFactory(iata_code="XAD", city="Sandy", name="Brisk Field", traffic_rank=1)
    SearchableAirportFactory(iata_code="XAE", city="Cambridge", name="Cambridge Airport", traffic_rank=1)
    SearchableAirportFactory(iata_code="XAC", city="Bristol", name="Bristol Airport", traffic_rank=60)
    SearchableAirportFactory(iata_code="XAB", city="Brisbane", name="Brisbane Airport", traffic_rank=50)
    SearchableAirportFactory(iata_code="BRI", city="Bari", name="Karol Wojtyla Airport")
    SearchableAirportFactory(iata_code="XAF", city="Dover", name="Dover Airport", traffic_rank=1)

    assert _codes(api_client, "bri") == ["BRI", "XAB", "XAC", "XAD", "XAE"]


def test_equally_good_matches_go_by_traffic_then_name(api_client):
    SearchableAirportFactory(iata_code="XBB", city="Springfield", name="Springfield Regional Airport")
    SearchableAirportFactory(iata_code="XBA", city="Springfield", name="Springfield Capital Airport")
    SearchableAirportFactory(iata_code="XBC", city="Springfield", name="Springfield Branson Airport", traffic_rank=90)

    assert _codes(api_client, "springfield") == ["XBC", "XBA", "XBB"]


def test_answers_the_list_shape_with_ten_airports_unless_asked_for_more(api_client, world_airports):
    body = api_client.get(URL, {"q": "a"}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert (body["count"], body["next"], body["previous"]) == (10, None, None)
    assert set(body["results"][0]) == {"iata_code", "name", "city", "country", "time_zone"}
    assert len(_codes(api_client, "a", limit=20)) == 20
    assert len(_codes(api_client, "a", limit=3)) == 3


def test_no_match_is_an_empty_list(api_client, world_airports):
    assert api_client.get(URL, {"q": "qqqxqqq"}).json() == {"count": 0, "next": None, "previous": None, "results": []}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 65}, "q"),
        ({"q": "lon", "limit": "21"}, "limit"),
        ({"q": "lon", "limit": "0"}, "limit"),
        ({"q": "lon", "limit": "ten"}, "limit"),
    ],
    ids=["missing", "empty", "blank", "too-long", "limit-too-big", "limit-zero", "limit-not-a-number"],
)
def test_a_bad_query_is_a_problem_naming_the_field(api_client, params, field):
    response = api_client.get(URL, params)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "validation_error"
    assert list(body["errors"]) == [field]
    assert body["detail"].startswith(f"{field.capitalize()}:")


def test_a_query_of_64_characters_is_accepted(api_client):
    assert api_client.get(URL, {"q": "x" * 64}).status_code == 200


def test_a_repeated_query_is_answered_from_the_cache_without_touching_the_database(
    api_client, world_airports, django_assert_num_queries
):
    with django_assert_num_queries(1):
        first = api_client.get(URL, {"q": "Zürich"})
    # The same folded query, typed differently, and a smaller page of it.
    with django_assert_num_queries(0):
        again = api_client.get(URL, {"q": " ZURICH "})
    with django_assert_num_queries(0):
        fewer = api_client.get(URL, {"q": "zurich", "limit": 1})

    assert again.json() == first.json()
    assert fewer.json()["results"] == first.json()["results"][:1]
