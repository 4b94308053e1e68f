"""A signed-in customer's bell: it shows the unread count once a booking is confirmed, and
the notifications page marks them read, without JavaScript needed, on a 360 px phone."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from tests.factories import UserFactory
from tests.notifications.helpers import deliver, held_booking
from tests.payments.helpers import pay

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_bell_counts_a_confirmed_booking_and_the_page_marks_it_read(page, live_server, screenshot):
    user = UserFactory(email="ada.account@example.com")
    booking = held_booking(user=user)
    pay(booking)
    deliver()
    session = Client()
    session.force_login(user)
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.cookies[settings.SESSION_COOKIE_NAME].value,
          "url": live_server.url}]
    )  # fmt: skip
    page.set_viewport_size({"width": 360, "height": 800})

    page.goto("/")
    bell = page.get_by_role("link", name="Notifications, 2 unread")
    expect(bell).to_be_visible()
    screenshot("bell-with-two-unread")
    bell.click()

    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    confirmed = page.locator("li.notification").filter(has_text=f"Booking {booking.locator} is confirmed")
    expect(confirmed).to_contain_text("New")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("notifications-page")
    confirmed.get_by_role("button", name=re.compile("^Mark read")).click()

    expect(page.get_by_role("link", name="Notifications, 1 unread")).to_be_visible()
    expect(confirmed).not_to_contain_text("New")
    expect(confirmed.get_by_role("button")).to_have_count(0)
    screenshot("confirmed-marked-read")
