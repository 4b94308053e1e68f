"""A page of bookings costs the same number of queries for 1 booking as for 5."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.payments.helpers import hold, pay

pytestmark = pytest.mark.django_db


def _queries_for_my_bookings(client: APIClient) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/bookings/")
    assert response.status_code == 200
    return len(queries), response.json()["count"]


def test_listing_bookings_does_not_query_per_booking():
    user = UserFactory()
    client = APIClient()
    client.force_authenticate(user)
    pay(hold(user=user))
    one, count = _queries_for_my_bookings(client)
    assert count == 1
    for _ in range(4):
        pay(hold(user=user))
    five, count = _queries_for_my_bookings(client)
    assert count == 5
    assert five == one
