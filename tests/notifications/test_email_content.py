"""What a customer reads in each email: both alternatives (plain text and HTML) carry the
booking reference, the flights at local times with the airports' names, the passengers,
the link to the booking and what the message is about (the hold's end, the amount, the
refund). A confirmed trip comes with a calendar file of its flights in UTC."""

from __future__ import annotations

import re
from datetime import UTC
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from apps.bookings import services as booking_services
from apps.bookings.models import Booking
from apps.inventory.selectors import seats_of_booking
from apps.notifications.emails import email_build
from apps.notifications.kinds import NotificationKind
from apps.payments.errors import PaymentDeclined
from apps.payments.models import Payment, Refund
from tests.notifications.trips import connecting_round_trip
from tests.payments.helpers import pay

pytestmark = pytest.mark.django_db

SITE = "https://flightbook.example"
MESSAGE_ID = "<evt-1.kind.abc@flightbook.example>"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def held() -> Booking:
    return connecting_round_trip()


@pytest.fixture
def confirmed(held, django_capture_on_commit_callbacks) -> Booking:
    with django_capture_on_commit_callbacks(execute=True):
        pay(held)
    held.refresh_from_db()
    return held


def build(kind: str, booking: Booking, **extra):
    message = email_build(
        kind=kind, booking=booking, recipient="ada@example.com", message_id=MESSAGE_ID, extra=extra or None
    )
    (html, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    return message, message.body, html


def both(text: str, html: str, *needles: str) -> None:
    """Each needle is in the plain text and in the HTML."""
    for needle in needles:
        assert needle in text, needle
        assert needle in html.replace("&#x27;", "'"), needle


def local_hhmm(moment, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def flights_of(booking: Booking):
    return [s.flight for s in booking.segments.select_related("flight__origin", "flight__destination")]


# The itinerary, the same in every email


def test_the_itinerary_shows_each_flight_at_the_local_time_of_its_airports(held):
    _, text, html = build("booking_held", held)

    out_1, out_2, back = flights_of(held)
    both(
        text,
        html,
        "AF1081",
        "Air France",
        "BA178",
        "British Airways",
        "London Heathrow Airport (LHR)",
        "Paris Charles de Gaulle Airport (CDG)",
        "John F Kennedy International Airport (JFK)",
        local_hhmm(out_1.arrival_at, "Europe/Paris"),
        local_hhmm(out_2.arrival_at, "America/New_York"),
        local_hhmm(back.departure_at, "America/New_York"),
        "UTC+1",  # Paris in winter
        "UTC-5",  # New York in winter
    )
    assert (
        f"Arrive  {out_2.arrival_at.astimezone(ZoneInfo('America/New_York')):%a %d %b %Y, %H:%M} local time (UTC-5)"
        in text
    )
    # The overnight return lands the next day in London.
    assert "+1 day" in html


def test_the_itinerary_names_the_connection_and_how_long_it_lasts(held):
    _, text, html = build("booking_held", held)

    both(text, html, "Connection: 2h 10m at Paris Charles de Gaulle Airport (CDG)")


def test_the_itinerary_lists_passengers_by_their_ticket_names_and_their_seats(held):
    seats = {pid: assignments[0].designator for pid, assignments in seats_of_booking(reference=held.locator).items()}
    _, text, html = build("booking_held", held)

    ada, renee = held.passengers.all()
    both(text, html, "LOVELACE/ADA", "MUELLER/RENEE", seats[ada.pk], seats[renee.pk])
    assert f"LOVELACE/ADA {seats[ada.pk]}" in text
    assert "Müller" not in text  # tickets carry the ICAO name


# One test per kind of message


def test_a_held_booking_says_when_the_hold_ends_locally_and_in_utc_and_links_to_pay(held):
    message, text, html = build("booking_held", held)

    ends = held.hold_expires_at
    local = ends.astimezone(ZoneInfo("Europe/London"))
    both(
        text,
        html,
        held.locator,
        f"{local:%a %d %b %Y, %H:%M} local time",
        "London Heathrow Airport (LHR)",
        f"{ends.astimezone(UTC):%H:%M} UTC",
        f"{SITE}/payments/{held.locator}/",
        f"{SITE}/bookings/{held.locator}/",
        "1,861.50 EUR",  # 2 passengers x 3 flights x 310.25
    )
    assert held.locator in message.subject
    assert f"{local:%H:%M} London time" in message.subject


def test_the_hold_reminder_says_the_hold_ends_soon_and_links_to_pay(held):
    message, text, html = build("hold_expiring", held)

    both(
        text,
        html,
        held.locator,
        f"{SITE}/payments/{held.locator}/",
        f"{held.hold_expires_at.astimezone(UTC):%H:%M} UTC",
    )
    assert "Reminder" in message.subject


def test_an_expired_hold_says_the_seats_were_released_and_nothing_was_charged(held):
    message, text, html = build("booking_expired", held)

    both(text, html, held.locator, "seats have been released", "Nothing was charged")
    assert "ended" in message.subject


def test_a_confirmed_booking_lists_every_e_ticket_and_the_amount_paid(confirmed):
    message, text, html = build("booking_confirmed", confirmed)

    tickets = [p.ticket_number for p in confirmed.passengers.all()]
    assert all(re.fullmatch(r"\d{13}", t) for t in tickets)
    both(text, html, confirmed.locator, *tickets, "Total paid", "1,861.50 EUR", f"{SITE}/bookings/{confirmed.locator}/")
    assert f"LOVELACE/ADA (Adult)  e-ticket {tickets[0]}" in text
    assert message.subject == f"Your flightbook booking {confirmed.locator} is confirmed"


def test_a_confirmed_booking_attaches_a_calendar_with_one_event_per_flight_in_utc(confirmed):
    message, _, _ = build("booking_confirmed", confirmed)

    [(filename, content, mimetype)] = message.attachments
    assert (filename, mimetype) == (f"flightbook-{confirmed.locator}.ics", "text/calendar")
    calendar = Calendar.from_ical(content)
    assert calendar["METHOD"] == "PUBLISH"
    events = calendar.walk("VEVENT")
    flights = flights_of(confirmed)
    assert len(events) == len(flights) == 3
    for event, flight in zip(events, flights, strict=True):
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert start.utcoffset().total_seconds() == 0
        assert end.utcoffset().total_seconds() == 0
        assert (start, end) == (flight.departure_at, flight.arrival_at)
        assert str(event["UID"]) == f"{confirmed.locator}-{flight.pk}@flightbook.example"
        assert flight.flight_number in event["SUMMARY"]
        assert f"{flight.origin.iata_code} → {flight.destination.iata_code}" in event["SUMMARY"]
        assert flight.origin.name in event["LOCATION"]
        assert flight.destination.name in event["LOCATION"]
    # Written as UTC ("Z"), not as a floating or zoned local time.
    assert len(re.findall(r"^DTSTART:\d{8}T\d{6}Z\r?$", content, re.M)) == 3


def test_the_calendar_events_keep_their_uid_when_the_email_is_sent_again(confirmed):
    first = Calendar.from_ical(build("booking_confirmed", confirmed)[0].attachments[0][1])
    again = Calendar.from_ical(build("booking_confirmed", confirmed)[0].attachments[0][1])

    assert [e["UID"] for e in first.walk("VEVENT")] == [e["UID"] for e in again.walk("VEVENT")]


def test_only_a_confirmed_trip_comes_with_a_calendar(held):
    assert build("booking_held", held)[0].attachments == []


def test_a_failed_payment_gives_the_reason_and_a_link_to_try_again(held, django_capture_on_commit_callbacks):
    with pytest.raises(PaymentDeclined), django_capture_on_commit_callbacks(execute=True):
        pay(held, "pm_card_chargeDeclined")
    payment = Payment.objects.get(booking=held)

    message, text, html = build("payment_failed", held, payment=payment)

    both(
        text,
        html,
        held.locator,
        "Your card was declined.",
        "1,861.50 EUR",
        f"{SITE}/payments/{held.locator}/",
        "Try again",
    )
    both(text, html, "still held until")
    assert "did not go through" in message.subject


def test_a_cancelled_booking_states_the_refund(confirmed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking, quote = booking_services.booking_cancel(locator=confirmed.locator, actor=None, actor_label="test")
    assert quote.refund_amount > 0

    message, text, html = build("booking_cancelled", booking, refund_amount=quote.refund_amount, currency="EUR")

    both(text, html, booking.locator, "Refund: ", f"{quote.refund_amount:,.2f} EUR")
    assert "cancelled" in message.subject


def test_a_cancellation_without_refund_says_none_is_due(confirmed):
    _, text, html = build("booking_cancelled", confirmed, refund_amount=Decimal("0.00"), currency="EUR")

    both(text, html, "No refund is due")


def test_a_refund_gives_the_amount_and_the_payment_it_goes_back_to(confirmed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking_services.booking_cancel(locator=confirmed.locator, actor=None, actor_label="test")
    refund = Refund.objects.get(payment__booking=confirmed)

    message, text, html = build("refund_succeeded", confirmed, refund=refund)

    payment = refund.payment
    both(
        text,
        html,
        confirmed.locator,
        f"{refund.amount:,.2f} EUR",
        f"On your payment of {payment.amount:,.2f} EUR made on {payment.succeeded_at.astimezone(UTC):%d %b %Y}",
        "booking cancelled",
    )
    assert f"{refund.amount:,.2f} EUR" in message.subject


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("booking_changed", "has been changed"),
        ("extras_receipt", "extras you added"),
        ("checkin_open", "check-in for your flight is now open"),
        ("boarding_pass", "boarding passes"),
        ("flight_disrupted", "full refund"),
    ],
)
def test_the_messages_later_work_fills_already_carry_the_booking_and_its_itinerary(confirmed, kind, says):
    message, text, html = build(kind, confirmed)

    both(text, html, confirmed.locator, f"{SITE}/bookings/{confirmed.locator}/", "AF1081", "LOVELACE/ADA")
    assert says.lower() in text.lower()
    assert says.lower() in html.lower()
    assert confirmed.locator in message.subject


# What any mail client can show


@pytest.mark.parametrize("kind", NotificationKind.values)
def test_every_html_email_is_inline_styled_with_no_script_style_sheet_or_remote_image(confirmed, kind):
    _, _, html = build(kind, confirmed)

    lowered = html.lower()
    for forbidden in ("<script", "<style", "<link", "<img", "javascript:", "class="):
        assert forbidden not in lowered, forbidden
    assert lowered.count('style="') > 20
    assert 'role="presentation"' in html  # laid out with tables
    # A preheader: the first line the inbox shows, hidden in the message itself.
    assert re.search(r'<div style="display:none;[^"]*">[^<]{10,}', html)


def test_names_and_amounts_are_not_escaped_in_the_plain_text(confirmed):
    _, text, _ = build("booking_confirmed", confirmed)

    assert "&#x27;" not in text
    assert "&amp;" not in text
    assert "a passenger's family name" in text


# Headers


def test_a_non_essential_email_carries_one_click_unsubscribe_and_an_essential_one_does_not(held):
    url = f"{SITE}/accounts/notifications/unsubscribe/abc/"
    reminder = email_build(
        kind="hold_expiring", booking=held, recipient="ada@example.com", message_id=MESSAGE_ID, unsubscribe_url=url
    )
    essential = email_build(
        kind="booking_held", booking=held, recipient="ada@example.com", message_id=MESSAGE_ID, unsubscribe_url=url
    )

    assert reminder.extra_headers["List-Unsubscribe"] == f"<{url}>"
    assert reminder.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in reminder.body
    assert url in reminder.alternatives[0][0]
    assert "List-Unsubscribe" not in essential.extra_headers
    assert "List-Unsubscribe-Post" not in essential.extra_headers
    assert url not in essential.body
    assert url not in essential.alternatives[0][0]
    assert reminder.extra_headers["Message-ID"] == essential.extra_headers["Message-ID"] == MESSAGE_ID


def test_the_subject_and_plain_text_keep_an_apostrophe_as_typed(held):
    first_airport = held.segments.order_by("slice_index", "position").first().flight.origin
    first_airport.city = "King's Lynn"
    first_airport.save()

    message, text, html = build("booking_held", held)

    assert "King's Lynn time" in message.subject
    assert "King's Lynn to New York" in text
    assert "King&#x27;s Lynn" in html
