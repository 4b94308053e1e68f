"""The walking skeleton: a guest customer searches, books and pays in a real browser."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.bookings.models import Booking, BookingStatus
from apps.inventory.demo import demo_network_ensure
from apps.inventory.models import FareClass

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTACT_EMAIL = "ada.lovelace@example.com"
PASSENGERS = [("Ada", "Lovelace"), ("Charles", "Babbage")]
LOCATOR = re.compile(r"^[A-Z0-9]{6}$")
E_TICKET = re.compile(r"^\d{13}$")


@pytest.fixture
def demo_network():
    """The demo airports, airlines and flights (several daily LHR→JFK flights) from today."""
    today = timezone.localdate()
    demo_network_ensure(start=today, days=3)
    return today


def search_and_hold_seats(page: Page, screenshot, *, travel_date) -> str:
    """Home → search LHR→JFK for 2 adults → Select → passenger details → seats held.
    Returns the locator shown on the payment page."""
    page.goto("/")
    expect(page.get_by_role("heading", name="Where to next?")).to_be_visible()
    screenshot("home")

    page.get_by_label("From", exact=True).fill("LHR")
    page.get_by_label("To", exact=True).fill("JFK")
    page.get_by_label("Depart", exact=True).fill(travel_date.isoformat())
    page.get_by_label("Adults", exact=True).fill("2")
    screenshot("search-filled")
    page.get_by_role("button", name="Search flights").click()

    expect(page).to_have_url(re.compile(r"/search/\?"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("→")
    offer = page.locator("li.offer").filter(has_text="direct").first
    expect(offer).to_contain_text("LHR")
    expect(offer).to_contain_text("JFK")
    screenshot("results")
    offer.get_by_role("link", name="Select").click()

    expect(page.get_by_role("heading", name="Who is flying?")).to_be_visible()
    for number, (given, family) in enumerate(PASSENGERS, start=1):
        passenger = page.get_by_role("group", name=f"Passenger {number} (Adult)")
        passenger.get_by_label("Given names").fill(given)
        passenger.get_by_label("Family name").fill(family)
        # London to New York crosses a border: date of birth and passport.
        passenger.get_by_label("Date of birth").fill(f"198{number}-03-1{number}")
        passenger.get_by_label("Travel document").select_option("passport")
        passenger.get_by_label("Document number").fill(f"P{number}2345678")
        passenger.get_by_label("Issued by (country code)").fill("GB")
        passenger.get_by_label("Nationality (country code)").fill("GB")
        passenger.get_by_label("Document valid until").fill("2034-06-30")
    page.get_by_role("group", name="Contact").get_by_label("Email for the confirmation").fill(CONTACT_EMAIL)
    screenshot("passengers-filled")
    page.get_by_role("button", name="Hold seats and continue to payment").click()

    expect(page.get_by_role("heading", name="Payment", exact=True)).to_be_visible()
    expect(page.locator(".booking-summary .status")).to_have_text("held")
    locator = page.locator("[data-locator]").text_content().strip()
    assert LOCATOR.match(locator), f"not a record locator: {locator!r}"
    expect(page).to_have_url(re.compile(rf"/payments/{locator}/$"))
    screenshot("payment-page")
    return locator


def test_guest_books_and_pays_and_gets_tickets_and_confirmation_email(page: Page, screenshot, demo_network, mailoutbox):
    travel_date = demo_network + timedelta(days=2)
    locator = search_and_hold_seats(page, screenshot, travel_date=travel_date)

    page.get_by_role("group", name="Test card").get_by_role("radio", name="Visa, succeeds").check()
    expect(page.locator('input[name="payment_method"]:checked')).to_have_value("pm_card_visa")
    screenshot("visa-chosen")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()

    expect(page).to_have_url(re.compile(rf"/payments/{locator}/receipt/\d+/$"))
    expect(page.get_by_role("status")).to_have_text("Payment received. Your booking is confirmed.")
    expect(page.get_by_role("heading", name="Receipt")).to_be_visible()
    summary = page.locator(".booking-summary")
    expect(summary.locator(".status")).to_have_text("confirmed")
    expect(summary.locator("[data-locator]")).to_have_text(locator)
    rows = summary.locator("table.passengers tbody tr")
    expect(rows).to_have_count(2)
    for row, (given, family) in zip(rows.all(), PASSENGERS, strict=True):
        expect(row.locator("td").first).to_have_text(f"{family.upper()}/{given.upper()}")
        ticket = row.locator("td.ticket").text_content().strip()
        assert E_TICKET.match(ticket), f"not a 13-digit e-ticket number: {ticket!r}"
    screenshot("booking-confirmed")

    booking = Booking.objects.get(locator=locator)
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.contact_email == CONTACT_EMAIL
    tickets = sorted(booking.passengers.values_list("ticket_number", flat=True))
    assert len(set(tickets)) == 2
    assert all(E_TICKET.match(t) for t in tickets)

    # The live server is a thread of this process, so its emails land in this outbox.
    assert mailoutbox is mail.outbox
    # The hold was announced too; the confirmation is one email, recognised by its Message-ID.
    [email] = [m for m in mailoutbox if ".booking_confirmed." in m.extra_headers["Message-ID"]]
    assert email.to == [CONTACT_EMAIL]
    assert locator in email.subject
    assert all(ticket in email.body for ticket in tickets)


def test_declined_card_shows_an_error_and_keeps_the_seats_held(page: Page, screenshot, demo_network, mailoutbox):
    travel_date = demo_network + timedelta(days=2)
    locator = search_and_hold_seats(page, screenshot, travel_date=travel_date)

    page.get_by_role("group", name="Test card").get_by_role("radio", name="Declined by the issuer").check()
    expect(page.locator('input[name="payment_method"]:checked')).to_have_value("pm_card_chargeDeclined")
    screenshot("declined-card-chosen")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()

    expect(page).to_have_url(re.compile(rf"/payments/{locator}/$"))
    expect(page.get_by_role("alert")).to_have_text("Your card was declined.")
    expect(page.locator(".booking-summary .status")).to_have_text("held")
    expect(page.get_by_role("button", name=re.compile(r"^Pay "))).to_be_visible()
    expect(page.locator("td.ticket")).to_have_text(["—", "—"])
    screenshot("card-declined")

    booking = Booking.objects.get(locator=locator)
    assert booking.status == BookingStatus.HELD
    assert booking.hold_expires_at > timezone.now()
    assert not booking.passengers.exclude(ticket_number=None).exists()
    # The hold was announced, and the decline: no confirmation.
    kinds = [m.extra_headers["Message-ID"].split(".")[1] for m in mailoutbox]
    assert kinds == ["booking_held", "payment_failed"]


def test_3d_secure_challenge_then_receipt_and_payments_on_the_booking_page(
    page: Page, screenshot, demo_network, mailoutbox
):
    travel_date = demo_network + timedelta(days=2)
    locator = search_and_hold_seats(page, screenshot, travel_date=travel_date)
    total = page.locator(".booking-summary .price").text_content().removeprefix("Total ").strip()

    page.get_by_role("group", name="Test card").get_by_role("radio", name="Needs 3-D Secure").check()
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()

    # First the bank refuses: back on the payment page, seats still held.
    expect(page.get_by_role("heading", name="Confirm your payment")).to_be_visible()
    expect(page.locator(".three-ds .amount")).to_have_text(total)
    screenshot("3ds-challenge")
    page.get_by_role("button", name="Refuse").click()
    expect(page).to_have_url(re.compile(rf"/payments/{locator}/$"))
    expect(page.get_by_role("alert")).to_have_text("Your card was declined.")
    expect(page.locator(".booking-summary .status")).to_have_text("held")

    # Then the customer tries again and confirms.
    page.get_by_role("group", name="Test card").get_by_role("radio", name="Needs 3-D Secure").check()
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    page.get_by_role("button", name="Confirm payment").click()

    expect(page).to_have_url(re.compile(rf"/payments/{locator}/receipt/\d+/$"))
    expect(page.get_by_role("heading", name="Receipt")).to_be_visible()
    expect(page.locator(".receipt .amount")).to_have_text(total)
    expect(page.locator(".booking-summary .status")).to_have_text("confirmed")
    screenshot("receipt")

    page.get_by_role("link", name="Back to the booking").click()
    payments = page.locator("section.payments tbody tr")
    expect(payments).to_have_count(2)
    expect(page.locator('section.payments tr[data-payment-status="succeeded"]')).to_contain_text(total)
    expect(page.locator('section.payments tr[data-payment-status="failed"]')).to_be_visible()
    screenshot("booking-payments")
    assert Booking.objects.get(locator=locator).status == BookingStatus.CONFIRMED
    assert [m for m in mailoutbox if ".booking_confirmed." in m.extra_headers["Message-ID"]] != []
    assert len([m for m in mailoutbox if ".booking_confirmed." in m.extra_headers["Message-ID"]]) == 1


def test_cancelling_a_paid_booking_shows_the_refund(page: Page, screenshot, demo_network):
    FareClass.objects.update(refundable=True, change_fee=0)
    travel_date = demo_network + timedelta(days=2)
    locator = search_and_hold_seats(page, screenshot, travel_date=travel_date)
    total = page.locator(".booking-summary .price").text_content().removeprefix("Total ").strip()
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    page.get_by_role("link", name="Back to the booking").click()
    expect(page.locator(".cancel-booking .refund")).to_have_text(total)

    page.get_by_label("Yes, cancel this booking for every passenger").check()
    page.get_by_role("button", name="Cancel booking").click()

    expect(page.locator(".booking-summary .status")).to_have_text("cancelled")
    row = page.locator("section.refunds tbody tr")
    expect(row).to_contain_text(total)
    expect(row).to_contain_text("Booking cancelled")
    expect(row).to_have_attribute("data-refund-status", "succeeded")
    screenshot("refund-shown")
    assert Booking.objects.get(locator=locator).payments.get().amount_refunded == Decimal(total.split()[0])
