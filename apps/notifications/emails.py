"""What an email says: subject, plain text, HTML and attachments for one kind of message
about one booking. Sending, recording and deciding who gets what live in `services`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from apps.bookings.models import Booking
from apps.notifications.kinds import is_essential


def email_build(
    *,
    kind: str,
    booking: Booking,
    recipient: str,
    message_id: str,
    extra: dict[str, Any] | None = None,
    unsubscribe_url: str = "",
) -> EmailMultiAlternatives:
    """The email of `kind` about `booking` to `recipient`, ready to send. `extra` carries
    what the event adds (e.g. the refund). Non-essential mail names `unsubscribe_url` in
    `List-Unsubscribe`."""
    context = {
        "booking": booking,
        "segments": list(booking.segments.all()),
        "passengers": list(booking.passengers.all()),
        "site_url": settings.SITE_URL,
        **(extra or {}),
    }
    subject = render_to_string(f"notifications/{kind}_subject.txt", context).strip()
    text = render_to_string(f"notifications/{kind}.txt", context)
    headers = {"Message-ID": message_id}
    if unsubscribe_url and not is_essential(kind):
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    return EmailMultiAlternatives(subject, text, None, [recipient], headers=headers)
