"""A guest comes back in a new browser session, finds the booking by locator and family
name, and picks seats by clicking on the cabin plan."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from apps.bookings import services
from apps.bookings.models import Booking
from apps.flights.services import aircraft_types_ensure
from apps.inventory.models import SeatAssignment
from apps.inventory.offers import PassengerMix, offer_build
from tests.factories import FareClassFactory, FlightFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSENGERS = [("Ada", "Lovelace"), ("Charles", "Babbage")]


def _guest_booking(fare_class, passengers: list[tuple[str, str]]) -> Booking:
    """What the booking pages create for a guest (London to Edinburgh: no documents)."""
    offer = offer_build(slices=[[fare_class]], mix=PassengerMix(adults=len(passengers)), cabin="economy")
    return services.booking_create(
        offer_id=offer.id,
        passengers=[
            services.PassengerInput(type="adult", given_name=given, family_name=family, date_of_birth=date(1985, 3, 1))
            for given, family in passengers
        ],
        contact=services.ContactInput(email="ada.lovelace@example.com"),
        user=None,
    )


def test_guest_finds_the_booking_in_a_new_session_and_picks_seats_on_the_cabin_plan(page: Page, screenshot):
    fare_class = FareClassFactory(flight=FlightFactory(aircraft=aircraft_types_ensure()["A320"]), capacity=144)
    booking = _guest_booking(fare_class, PASSENGERS)
    # Someone else already sits in 20C, so the plan shows a taken seat.
    other = _guest_booking(fare_class, [("Grace", "Hopper")])
    services.booking_seats_choose(
        locator=other.locator,
        choices=[services.SeatChoice(other.passengers.get().pk, fare_class.flight_id, "20C")],
        actor=None,
    )

    # This browser context never made the booking: it starts from the header link.
    page.goto("/")
    page.get_by_role("link", name="Manage booking").click()
    expect(page.get_by_role("heading", name="Manage booking")).to_be_visible()
    page.get_by_label("Booking reference").fill(booking.locator.lower())
    page.get_by_label("Family name of a passenger").fill("lovelace")
    screenshot("manage-booking-filled")
    page.get_by_role("button", name="Find booking").click()

    expect(page).to_have_url(re.compile(rf"/bookings/{booking.locator}/$"))
    expect(page.locator(".booking-summary [data-locator]")).to_have_text(booking.locator)
    screenshot("booking-found")
    page.get_by_role("link", name="Choose seats").click()

    expect(page.get_by_role("heading", name="Choose seats")).to_be_visible()
    ada = page.get_by_role("group", name="Seat for LOVELACE/ADA")
    charles = page.get_by_role("group", name="Seat for BABBAGE/CHARLES")
    expect(ada.get_by_role("radio", name=re.compile(r"^Seat 20C,"))).to_be_disabled()
    screenshot("cabin-plan")

    ada.get_by_role("radio", name=re.compile(r"^Seat 20A,")).click()
    expect(ada.get_by_role("radio", name=re.compile(r"^Seat 20A,"))).to_be_checked()
    # One passenger's plan at a time: the buttons above it switch passenger.
    page.get_by_role("button", name="BABBAGE/CHARLES").click()
    expect(charles).to_be_visible()
    expect(ada).to_be_hidden()
    expect(charles.get_by_role("radio", name=re.compile(r"^Seat 20A,"))).to_be_disabled()
    charles.get_by_role("radio", name=re.compile(r"^Seat 20B,")).click()
    expect(page.get_by_role("button", name="LOVELACE/ADA · 20A")).to_be_visible()
    screenshot("seats-picked")
    page.get_by_role("button", name="Save seats").click()

    expect(page).to_have_url(re.compile(rf"/bookings/{booking.locator}/$"))
    expect(page.get_by_role("status")).to_have_text("Seats saved: LOVELACE/ADA 20A, BABBAGE/CHARLES 20B.")
    rows = page.locator(".booking-summary table.passengers tbody tr")
    expect(rows.filter(has_text="LOVELACE/ADA").locator("td.seats")).to_contain_text("20A")
    expect(rows.filter(has_text="BABBAGE/CHARLES").locator("td.seats")).to_contain_text("20B")
    expect(page.locator('.timeline li[data-kind="seats_chosen"]')).to_contain_text("Seats chosen")
    screenshot("seats-on-booking")

    seats = SeatAssignment.objects.filter(reference=booking.locator, active=True)
    assert sorted(seats.values_list("designator", flat=True)) == ["20A", "20B"]
