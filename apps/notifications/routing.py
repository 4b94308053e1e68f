"""Who is told what, per outbox topic: the message kind and the channels it goes out on.
Adding a message is a line here (plus its email templates and its in-app text below)."""

from __future__ import annotations

from dataclasses import dataclass

from apps.accounts.models import MessageChannel
from apps.core.events import Topic
from apps.notifications.kinds import NotificationKind as Kind

EMAIL, SMS, IN_APP = MessageChannel.EMAIL, MessageChannel.SMS, MessageChannel.IN_APP


@dataclass(frozen=True)
class Route:
    kind: Kind
    channels: tuple[str, ...]


# Email goes to the booking's contact, SMS to its contact phone (urgent kinds only), in-app
# to the customer account that owns the booking.
ROUTES: dict[str, Route] = {
    Topic.BOOKING_HELD: Route(Kind.BOOKING_HELD, (EMAIL, IN_APP)),
    Topic.BOOKING_HOLD_EXPIRING: Route(Kind.HOLD_EXPIRING, (EMAIL, IN_APP)),
    Topic.BOOKING_EXPIRED: Route(Kind.BOOKING_EXPIRED, (EMAIL, IN_APP)),
    Topic.BOOKING_CONFIRMED: Route(Kind.BOOKING_CONFIRMED, (EMAIL, IN_APP)),
    # An agent's resend: the email again, no second entry in the app.
    Topic.BOOKING_CONFIRMATION_REQUESTED: Route(Kind.BOOKING_CONFIRMED, (EMAIL,)),
    Topic.PAYMENT_FAILED: Route(Kind.PAYMENT_FAILED, (EMAIL, IN_APP)),
    Topic.BOOKING_CANCELLED: Route(Kind.BOOKING_CANCELLED, (EMAIL, IN_APP)),
    Topic.REFUND_SUCCEEDED: Route(Kind.REFUND_SUCCEEDED, (EMAIL, IN_APP)),
    Topic.BOOKING_CHANGED: Route(Kind.BOOKING_CHANGED, (EMAIL, IN_APP)),
    Topic.SERVICES_ADDED: Route(Kind.EXTRAS_RECEIPT, (EMAIL, IN_APP)),
    Topic.CHECKIN_OPEN: Route(Kind.CHECKIN_OPEN, (EMAIL, IN_APP)),
    Topic.BOARDING_PASS_ISSUED: Route(Kind.BOARDING_PASS, (EMAIL, IN_APP)),
    Topic.BOOKING_DISRUPTED: Route(Kind.FLIGHT_DISRUPTED, (EMAIL, SMS, IN_APP)),
}

# The short text of the in-app entry and the SMS, per kind: (title, body). Formatted with
# `locator`, `hold_expires_at` (UTC), `refund_amount`, `currency` and `refund_due` (a sentence).
SHORT_TEXT: dict[str, tuple[str, str]] = {
    Kind.BOOKING_HELD: (
        "Booking {locator} is held",
        "Your seats are held until {hold_expires_at}. Pay before then to confirm the trip.",
    ),
    Kind.HOLD_EXPIRING: (
        "Booking {locator}: hold about to end",
        "Your seats are held only until {hold_expires_at}. Pay now to keep them.",
    ),
    Kind.BOOKING_EXPIRED: (
        "Booking {locator} expired",
        "The hold ended before payment and the seats were released. Search again to book.",
    ),
    Kind.BOOKING_CONFIRMED: ("Booking {locator} is confirmed", "Your e-tickets are issued. Have a good trip."),
    Kind.PAYMENT_FAILED: (
        "Payment for {locator} failed",
        "The payment was declined. Try another card before the hold ends.",
    ),
    Kind.BOOKING_CANCELLED: ("Booking {locator} is cancelled", "{refund_due}"),
    Kind.REFUND_SUCCEEDED: ("Refund for {locator} sent", "{refund_amount} {currency} is on its way to your card."),
    Kind.BOOKING_CHANGED: ("Booking {locator} changed", "Your new itinerary is in your booking."),
    Kind.EXTRAS_RECEIPT: ("Extras added to {locator}", "Your receipt is in your booking."),
    Kind.CHECKIN_OPEN: ("Check-in is open for {locator}", "Check in now and get your boarding pass."),
    Kind.BOARDING_PASS: ("Boarding pass for {locator}", "Your boarding pass is ready."),
    Kind.FLIGHT_DISRUPTED: (
        "Flight disrupted: booking {locator}",
        "A flight of your trip changed. See your options in your booking.",
    ),
}
