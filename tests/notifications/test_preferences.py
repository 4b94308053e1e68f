"""A customer may turn reminders off per channel; essential messages still go out. Reminder
emails carry a one-click unsubscribe link that works without signing in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from apps.accounts import preferences
from apps.accounts.models import MessagePreference
from apps.bookings import services as booking_services
from apps.bookings.models import Booking
from apps.core import clock
from tests.factories import UserFactory
from tests.notifications.helpers import CONTACT, deliver, held_booking, sent
from tests.payments.helpers import pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory(email="ada.account@example.com")


def _hold_ends_soon(booking: Booking, minutes: int = 3) -> None:
    Booking.objects.filter(pk=booking.pk).update(hold_expires_at=clock.now() + timedelta(minutes=minutes))


def test_a_hold_about_to_end_is_reminded_once(user):
    booking = held_booking(user=user)
    deliver()
    _hold_ends_soon(booking)

    assert booking_services.bookings_remind_expiring_holds() == 1
    assert booking_services.bookings_remind_expiring_holds() == 0
    deliver()
    assert booking_services.bookings_remind_expiring_holds() == 0

    assert sent(kind="hold_expiring") == [
        ("hold_expiring", "email", CONTACT, "sent"),
        ("hold_expiring", "in_app", f"user:{user.pk}", "sent"),
    ]
    assert booking.events.filter(kind="hold_reminder_sent").count() == 1


def test_a_hold_with_time_left_is_not_reminded_yet(user, settings):
    settings.HOLD_REMINDER_MINUTES = 5
    booking = held_booking(user=user)
    _hold_ends_soon(booking, minutes=6)

    assert booking_services.bookings_remind_expiring_holds() == 0


def test_a_reminder_turned_off_is_skipped_and_recorded_while_essential_mail_still_goes(user):
    preferences.message_preferences_update(user=user, reminders={"email": False})
    booking = held_booking(user=user)
    _hold_ends_soon(booking)
    booking_services.bookings_remind_expiring_holds()
    pay(booking)

    deliver()

    assert sent(kind="hold_expiring") == [
        ("hold_expiring", "email", CONTACT, "skipped"),
        ("hold_expiring", "in_app", f"user:{user.pk}", "sent"),
    ]
    assert ("booking_confirmed", "email", CONTACT, "sent") in sent()
    assert [m.to for m in mail.outbox if "hold_expiring" in m.extra_headers["Message-ID"]] == []


def test_a_reminder_email_carries_a_one_click_unsubscribe_and_essential_mail_does_not(user):
    booking = held_booking(user=user)
    _hold_ends_soon(booking)
    booking_services.bookings_remind_expiring_holds()
    pay(booking)

    deliver()

    by_kind = {m.extra_headers["Message-ID"].split(".")[1]: m for m in mail.outbox}
    reminder = by_kind["hold_expiring"].extra_headers
    assert reminder["List-Unsubscribe"].startswith("<http://")
    assert reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "List-Unsubscribe" not in by_kind["booking_confirmed"].extra_headers


def test_the_unsubscribe_link_turns_email_reminders_off_without_signing_in(user):
    booking = held_booking(user=user)
    _hold_ends_soon(booking)
    booking_services.bookings_remind_expiring_holds()
    deliver()
    link = mail.outbox[-1].extra_headers["List-Unsubscribe"].strip("<>")
    path = link.split("://", 1)[1].split("/", 1)[1]
    browser = Client(enforce_csrf_checks=True)

    looked = browser.get(f"/{path}")  # a mail scanner following the link changes nothing
    assert looked.status_code == 200
    assert preferences.reminders_by_channel(user=user)["email"] is True

    clicked = browser.post(f"/{path}", {"List-Unsubscribe": "One-Click"})

    assert clicked.status_code == 200
    assert preferences.reminders_by_channel(user=user) == {"email": False, "sms": True, "in_app": True}


def test_a_forged_unsubscribe_link_changes_nothing(user):
    token = preferences.unsubscribe_token(user=user, channel="email")

    response = Client().post(f"/accounts/notifications/unsubscribe/{token[:-2]}xx/")

    assert response.status_code == 404
    assert not MessagePreference.objects.exists()


def test_the_account_page_turns_sms_reminders_off(user, client):
    client.force_login(user)

    page = client.get("/accounts/notifications/")
    assert page.status_code == 200
    assert re.search(r'<input[^>]*name="sms"[^>]*checked', page.content.decode())

    client.post("/accounts/notifications/", {"email": "on", "in_app": "on"})

    assert preferences.reminders_by_channel(user=user) == {"email": True, "sms": False, "in_app": True}


def test_me_shows_and_patches_the_preferences(user):
    api = APIClient()
    api.force_authenticate(user)

    before = api.get("/api/v1/me/").json()["notification_preferences"]
    patched = api.patch("/api/v1/me/", {"notification_preferences": {"reminders": {"in_app": False}}}, format="json")

    assert before == {"reminders": {"email": True, "sms": True, "in_app": True}}
    assert patched.status_code == 200, patched.content
    assert patched.json()["notification_preferences"] == {"reminders": {"email": True, "sms": True, "in_app": False}}
    assert api.get("/api/v1/me/").json()["notification_preferences"]["reminders"]["in_app"] is False


def test_patching_me_with_a_bad_value_answers_400_and_changes_nothing(user):
    api = APIClient()
    api.force_authenticate(user)

    response = api.patch(
        "/api/v1/me/", {"notification_preferences": {"reminders": {"email": "perhaps"}}}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert not MessagePreference.objects.exists()


def test_patching_me_with_a_number_for_a_boolean_answers_400(user):
    api = APIClient()
    api.force_authenticate(user)

    response = api.patch("/api/v1/me/", {"notification_preferences": {"reminders": {"in_app": 0}}}, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "validation_error")
    assert "notification_preferences.reminders.in_app" in response.json()["errors"]
    assert not MessagePreference.objects.exists()
