"""Every outbox topic, one list with labels: what `outbox.publish(topic=...)` announces and
`@event_handler(...)` listens to. Partner webhooks name a subset of these as their event
types (DESIGN.md §4)."""

from __future__ import annotations

from django.db import models


class Topic(models.TextChoices):
    BOOKING_HELD = "booking.held", "Booking held"
    BOOKING_HOLD_EXPIRING = "booking.hold_expiring", "Hold about to expire"
    BOOKING_EXPIRED = "booking.expired", "Hold expired"
    BOOKING_CONFIRMED = "booking.confirmed", "Booking confirmed"
    BOOKING_CONFIRMATION_REQUESTED = "booking.confirmation_requested", "Confirmation resend requested"
    BOOKING_CANCELLED = "booking.cancelled", "Booking cancelled"
    PAYMENT_FAILED = "payment.failed", "Payment declined"
    REFUND_REQUESTED = "refund.requested", "Refund requested"
    REFUND_SUCCEEDED = "refund.succeeded", "Refund succeeded"
    REFUND_FAILED = "refund.failed", "Refund failed"
    REFUND_CANCELED = "refund.canceled", "Refund canceled"
    # Published by the servicing and day-of-travel work.
    BOOKING_CHANGED = "booking.changed", "Booking changed"
    BOOKING_DISRUPTED = "booking.disrupted", "Booking disrupted"
    FLIGHT_STATUS_CHANGED = "flight.status_changed", "Flight status changed"
    SERVICES_ADDED = "services.added", "Extras added"
    CHECKIN_OPEN = "checkin.open", "Check-in open"
    BOARDING_PASS_ISSUED = "boarding_pass.issued", "Boarding pass issued"
    # Partner webhooks.
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint.disabled", "Webhook endpoint disabled"
