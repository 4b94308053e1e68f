"""The search pages with JavaScript: airport suggestions and filters that apply at once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.inventory.demo import demo_network_ensure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def travel_date():
    today = timezone.localdate()
    demo_network_ensure(start=today, days=3)
    return today + timedelta(days=2)


def test_typing_a_city_suggests_its_airports(page: Page, screenshot, travel_date):
    page.goto("/")
    page.get_by_label("From", exact=True).press_sequentially("Lond", delay=30)
    # The suggestions arrive from the autocomplete API into the field's datalist.
    options = page.locator("#origin-list option")
    expect(options.first).to_have_attribute("value", "LHR")
    screenshot("suggestions")


def test_filters_apply_as_soon_as_they_change(page: Page, screenshot, travel_date):
    page.goto(f"/search/?origin=MAD&destination=JFK&departure_date={travel_date.isoformat()}")
    offers = page.locator("li.offer")
    expect(offers.first).to_be_visible()
    assert offers.count() > 1
    screenshot("all-offers")

    page.get_by_label("Direct only").check()  # no Apply click: the page reloads by itself
    expect(page).to_have_url(re.compile(r"max_stops=0"))
    expect(page.locator(".empty")).to_contain_text("No flights found")  # Madrid-New York has no direct flight
    screenshot("direct-only")

    page.get_by_label("Any").check()
    expect(page).to_have_url(re.compile(r"max_stops=1"))
    page.get_by_label("Sort").select_option("duration")
    expect(page).to_have_url(re.compile(r"sort=duration"))
    expect(offers.first).to_be_visible()
    screenshot("sorted-by-duration")
