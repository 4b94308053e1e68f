"""The messages flightbook sends, one list with labels. Essential messages (tickets,
changes, disruptions, refunds, what the customer must act on) always go out; the others
(reminders) can be turned off per channel in the customer's preferences."""

from __future__ import annotations

from django.db import models


class NotificationKind(models.TextChoices):
    BOOKING_HELD = "booking_held", "Booking held"
    HOLD_EXPIRING = "hold_expiring", "Hold about to expire"
    BOOKING_EXPIRED = "booking_expired", "Hold expired"
    BOOKING_CONFIRMED = "booking_confirmed", "Booking confirmed"
    PAYMENT_FAILED = "payment_failed", "Payment failed"
    BOOKING_CANCELLED = "booking_cancelled", "Booking cancelled"
    REFUND_SUCCEEDED = "refund_succeeded", "Refund sent"
    # Filled by the servicing and day-of-travel work.
    BOOKING_CHANGED = "booking_changed", "Booking changed"
    EXTRAS_RECEIPT = "extras_receipt", "Extras receipt"
    CHECKIN_OPEN = "checkin_open", "Check-in open"
    BOARDING_PASS = "boarding_pass", "Boarding pass"
    FLIGHT_DISRUPTED = "flight_disrupted", "Flight disrupted"


NON_ESSENTIAL = frozenset({NotificationKind.HOLD_EXPIRING, NotificationKind.CHECKIN_OPEN})


def is_essential(kind: str) -> bool:
    return kind not in NON_ESSENTIAL
