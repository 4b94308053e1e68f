"""The customer's notifications in the app: `GET notifications/` (newest first, with the
unread count), `POST notifications/{id}/read/`, the bell in the header and the page."""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from apps.accounts.api_keys import api_key_create
from apps.accounts.models import Partner
from apps.notifications.models import Notification
from tests.factories import UserFactory
from tests.notifications.helpers import deliver, held_booking
from tests.payments.helpers import pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory(email="ada.account@example.com")


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def confirmed(user):
    booking = held_booking(user=user)
    pay(booking)
    deliver()
    return booking


def test_the_list_is_newest_first_with_the_unread_count(api, confirmed):
    body = api.get("/api/v1/notifications/").json()

    assert (body["count"], body["unread_count"], body["next"], body["previous"]) == (2, 2, None, None)
    newest, oldest = body["results"]
    assert (newest["kind"], oldest["kind"]) == ("booking_confirmed", "booking_held")
    assert set(newest) == {"id", "kind", "title", "body", "booking", "created_at", "read_at"}
    assert newest["title"] == f"Booking {confirmed.locator} is confirmed"
    assert (newest["booking"], newest["read_at"]) == (confirmed.locator, None)


def test_the_unread_count_covers_every_page(api, confirmed):
    body = api.get("/api/v1/notifications/?page_size=1").json()

    assert (len(body["results"]), body["unread_count"]) == (1, 2)
    assert body["next"] is not None


def test_reading_a_notification_marks_it_once(api, confirmed):
    first = api.get("/api/v1/notifications/").json()["results"][0]

    read = api.post(f"/api/v1/notifications/{first['id']}/read/")
    again = api.post(f"/api/v1/notifications/{first['id']}/read/")

    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    assert again.json()["read_at"] == read.json()["read_at"]
    assert api.get("/api/v1/notifications/").json()["unread_count"] == 1


def test_another_customers_notification_is_not_found_and_stays_unread(confirmed):
    theirs = Notification.objects.filter(channel="in_app").first()
    other = APIClient()
    other.force_authenticate(UserFactory())

    response = other.post(f"/api/v1/notifications/{theirs.pk}/read/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert other.get("/api/v1/notifications/").json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
        "unread_count": 0,
    }


def test_an_id_beyond_any_row_is_not_found(api):
    response = api.post(f"/api/v1/notifications/{2**70}/read/")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_a_partner_key_has_no_notifications():
    _, key = api_key_create(
        partner=Partner.objects.create(name="P", contact_email="p@example.com"),
        name="all",
        scopes=["read", "book", "pay"],
        created_by=None,
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")

    response = client.get("/api/v1/notifications/")

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_the_bell_shows_the_unread_count_and_the_page_marks_read(client, user, confirmed):
    client.force_login(user)

    home = client.get("/").content.decode()
    assert 'aria-label="Notifications, 2 unread"' in home

    page = client.get("/notifications/").content.decode()
    assert f"Booking {confirmed.locator} is confirmed" in page
    [first_id, *_] = re.findall(r'action="/notifications/(\d+)/read/"', page)
    response = client.post(f"/notifications/{first_id}/read/")

    assert response.status_code == 302
    assert 'aria-label="Notifications, 1 unread"' in client.get("/notifications/").content.decode()
    client.post("/notifications/read/")
    assert 'aria-label="Notifications, 0 unread"' in client.get("/").content.decode()


def test_the_page_refuses_to_mark_another_customers_notification(client, confirmed):
    theirs = Notification.objects.filter(channel="in_app").first()
    client.force_login(UserFactory())

    response = client.post(f"/notifications/{theirs.pk}/read/")

    assert response.status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_posting_to_a_malformed_notification_id_is_a_problem_json_404(user):
    api = APIClient(enforce_csrf_checks=True)  # as a real client: no CSRF token
    api.force_authenticate(user)

    response = api.post("/api/v1/notifications/null,null/read/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
