"""What an email says: subject, plain text, HTML and attachments for one kind of message
about one booking. Sending, recording and deciding who gets what live in `services`.

Every kind renders `notifications/email/<kind>.html` and `.txt` (both extend one branded
base, `notifications/email/base.html` / `base.txt`) and `<kind>_subject.txt`."""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from apps.bookings.models import Booking
from apps.core import clock
from apps.core.money import money_format
from apps.notifications import ics
from apps.notifications.itinerary import LocalTime, itinerary_build
from apps.notifications.kinds import NotificationKind, is_essential

# Kinds whose email carries the trip as a calendar file.
_WITH_CALENDAR = frozenset({NotificationKind.BOOKING_CONFIRMED})
# The boxed notice under the heading (the hold's end, the amount, the reason), by mood.
_NOTICE_TONE = {
    NotificationKind.BOOKING_HELD: "info",
    NotificationKind.HOLD_EXPIRING: "bad",
    NotificationKind.BOOKING_CONFIRMED: "ok",
    NotificationKind.PAYMENT_FAILED: "bad",
    NotificationKind.BOOKING_CANCELLED: "info",
    NotificationKind.REFUND_SUCCEEDED: "ok",
}
_WITH_HOLD_END = (NotificationKind.BOOKING_HELD, NotificationKind.HOLD_EXPIRING, NotificationKind.PAYMENT_FAILED)


def mail_domain() -> str:
    """The domain our mail comes from: names Message-IDs and calendar UIDs."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "flightbook.invalid"


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _kind_context(kind: str, booking: Booking, extra: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """What a kind adds to the common context: the hold's end, the failed payment, the refund."""
    added: dict[str, Any] = {}
    first = context["itinerary"].first_departure
    if booking.hold_expires_at and kind in _WITH_HOLD_END:
        # Local to where the trip starts: the clock the customer is likely looking at.
        added["hold_ends"] = LocalTime.of(booking.hold_expires_at, first.origin.time_zone if first else "UTC")
        added["hold_ends_airport"] = first.origin if first else None
    if kind == NotificationKind.PAYMENT_FAILED:
        payment = extra.get("payment")
        added["payment"] = payment
        # The provider's words for the customer, else its code made readable.
        reason = (payment.failure_message or payment.failure_code.replace("_", " ").capitalize()) if payment else ""
        added["failure_reason"] = reason or "The payment was not accepted."
        if payment is not None:
            added["payment_amount"] = money_format(payment.amount, payment.currency)
    if kind == NotificationKind.BOOKING_CANCELLED:
        amount = extra.get("refund_amount")
        currency = extra.get("currency") or booking.currency
        added["refund_amount"] = amount
        added["refund_display"] = money_format(amount, currency) if amount else ""
    if kind == NotificationKind.REFUND_SUCCEEDED:
        refund = extra.get("refund")
        added["refund"] = refund
        if refund is not None:
            payment = refund.payment
            added["refund_display"] = money_format(refund.amount, refund.currency)
            added["payment"] = payment
            added["payment_display"] = money_format(payment.amount, payment.currency)
            added["payment_date"] = clock.local(payment.succeeded_at or payment.created_at, "UTC").strftime("%d %b %Y")
    return added


def email_build(
    *,
    kind: str,
    booking: Booking,
    recipient: str,
    message_id: str,
    extra: dict[str, Any] | None = None,
    unsubscribe_url: str = "",
) -> EmailMultiAlternatives:
    """The email of `kind` about `booking` to `recipient`, ready to send: a plain-text body,
    an HTML alternative and, for a confirmed trip, an `.ics` calendar. `extra` carries what
    the event adds (e.g. the refund). Non-essential mail names `unsubscribe_url` in
    `List-Unsubscribe` (with one-click unsubscribe, RFC 8058)."""
    extra = extra or {}
    kind = NotificationKind(kind)
    essential = is_essential(kind)
    context: dict[str, Any] = {
        **extra,
        "kind": kind.value,
        "kind_label": kind.label,
        "booking": booking,
        "locator": booking.locator,
        "itinerary": itinerary_build(booking=booking),
        "total_display": money_format(booking.total_amount, booking.currency),
        "site_url": settings.SITE_URL,
        "booking_url": _absolute(reverse("bookings:detail", args=[booking.locator])),
        "manage_url": _absolute(reverse("bookings:manage")),
        "pay_url": _absolute(reverse("payments:pay", args=[booking.locator])),
        "pay_label": f"Pay {money_format(booking.total_amount, booking.currency)}",
        "notice_tone": _NOTICE_TONE.get(kind, ""),
        "essential": essential,
        "unsubscribe_url": "" if essential else unsubscribe_url,
    }
    context.update(_kind_context(kind, booking, extra, context))

    subject = " ".join(render_to_string(f"notifications/email/{kind}_subject.txt", context).split())
    context["subject"] = subject
    text = render_to_string(f"notifications/email/{kind}.txt", context)
    html = render_to_string(f"notifications/email/{kind}.html", context)

    headers = {"Message-ID": message_id}
    if context["unsubscribe_url"]:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(subject, text, None, [recipient], headers=headers)
    message.attach_alternative(html, "text/html")
    if kind in _WITH_CALENDAR:
        message.attach(
            f"flightbook-{booking.locator}.ics",
            ics.booking_calendar(booking=booking, domain=mail_domain(), booking_url=context["booking_url"]),
            "text/calendar",
        )
    return message
