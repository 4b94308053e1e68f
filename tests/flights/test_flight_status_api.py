from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from apps.flights.models import FlightStatus
from tests.factories import AirportFactory, FlightFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def flight():
    # Leaves London 21:30 GMT on 10 January, lands in Singapore the next afternoon.
    return FlightFactory(
        number="11",
        origin=AirportFactory(iata_code="LHR", time_zone="Europe/London"),
        destination=AirportFactory(iata_code="SIN", country="SG", time_zone="Asia/Singapore"),
        departure_at=datetime(2027, 1, 10, 21, 30, tzinfo=UTC),
        arrival_at=datetime(2027, 1, 11, 10, 45, tzinfo=UTC),
    )


def test_flight_details_give_local_times_with_offsets(client, flight):
    body = client.get(f"/api/v1/flights/{flight.pk}/").json()
    assert body["flight_number"] == "BA11"
    assert body["departure_at"] == "2027-01-10T21:30:00+00:00"
    assert body["arrival_at"] == "2027-01-11T18:45:00+08:00"
    assert body["duration_minutes"] == 795
    assert body["status"] == "scheduled"


def test_status_by_flight_number_and_local_date(client, flight):
    flight.status = FlightStatus.DELAYED
    flight.save()
    body = client.get("/api/v1/flights/status/", {"flight_number": "ba 0011", "date": "2027-01-10"}).json()
    assert (body["id"], body["status"]) == (flight.pk, "delayed")


def test_status_of_an_unknown_flight_is_a_problem_404(client, flight):
    response = client.get("/api/v1/flights/status/", {"flight_number": "BA11", "date": date(2027, 1, 11)})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert client.get("/api/v1/flights/999999/").status_code == 404


def test_malformed_flight_number_is_a_validation_error(client):
    response = client.get("/api/v1/flights/status/", {"flight_number": "BRITISH", "date": "2027-01-10"})
    assert response.status_code == 400
    assert "flight_number" in response.json()["errors"]
