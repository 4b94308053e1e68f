"""From outbox events to partner webhook deliveries: each event about a partner's booking
becomes one delivery per endpoint of that partner subscribed to its type. A booking made
by a customer or through another partner never reaches this partner."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail

from apps.bookings import selectors as booking_selectors
from apps.bookings.api.serializers import BookingSerializer, RefundSummarySerializer
from apps.bookings.models import Booking, BookingStatus
from apps.core.events import Topic
from apps.core.models import OutboxEvent
from apps.core.outbox import event_handler
from apps.flights.api.serializers import FlightSerializer
from apps.flights.models import Flight
from apps.notifications.webhook_models import WebhookEndpoint
from apps.notifications.webhooks import selectors, services
from apps.payments.models import Refund

BOOKING_TOPICS = (
    Topic.BOOKING_CONFIRMED,
    Topic.BOOKING_CHANGED,
    Topic.BOOKING_CANCELLED,
    Topic.BOOKING_DISRUPTED,
    Topic.SERVICES_ADDED,
)


def _deliver(event: OutboxEvent, *, partner_id: int | None, data: dict) -> None:
    if partner_id is None:
        return
    services.webhook_deliveries_create(
        partner_id=partner_id, event_id=event.id, event_type=event.topic, created_at=event.created_at, data=data
    )


def booking_webhook(event: OutboxEvent) -> None:
    """The booking as the partner API shows it (documents masked)."""
    booking = booking_selectors.booking_get_for_system(locator=event.payload["locator"])
    if booking.partner_id is None or not selectors.partner_listens(partner_id=booking.partner_id, topic=event.topic):
        return
    _deliver(event, partner_id=booking.partner_id, data=BookingSerializer(booking).data)


for _topic in BOOKING_TOPICS:
    event_handler(_topic)(booking_webhook)


@event_handler(Topic.REFUND_SUCCEEDED)
def refund_webhook(event: OutboxEvent) -> None:
    """The refund, with the locator of its booking."""
    refund = Refund.objects.select_related("payment__booking").get(pk=event.payload["refund_id"])
    booking = refund.payment.booking
    if booking.partner_id is None:
        return
    _deliver(
        event, partner_id=booking.partner_id, data={**RefundSummarySerializer(refund).data, "locator": booking.locator}
    )


@event_handler(Topic.FLIGHT_STATUS_CHANGED)
def flight_status_webhook(event: OutboxEvent) -> None:
    """The flight, once to each partner with live bookings on it, naming theirs."""
    flight = Flight.objects.select_related("airline", "origin", "destination", "aircraft").get(
        pk=event.payload["flight_id"]
    )
    bookings = Booking.objects.filter(
        segments__flight=flight, partner__isnull=False, status__in=[BookingStatus.HELD, BookingStatus.CONFIRMED]
    ).distinct()
    by_partner: dict[int, list[str]] = {}
    for partner_id, locator in bookings.values_list("partner_id", "locator").order_by("locator"):
        by_partner.setdefault(partner_id, []).append(locator)
    flight_data = FlightSerializer(flight).data
    for partner_id, locators in by_partner.items():
        _deliver(event, partner_id=partner_id, data={**flight_data, "locators": locators})


@event_handler(services.ENDPOINT_DISABLED)
def tell_partner_endpoint_disabled(event: OutboxEvent) -> None:
    """Email the partner's contact address and its agents that an endpoint was switched off."""
    endpoint = WebhookEndpoint.objects.select_related("partner").filter(pk=event.payload["endpoint_id"]).first()
    if endpoint is None:
        return
    recipients = selectors.partner_contacts(partner=endpoint.partner)
    send_mail(
        subject="Your flightbook webhook endpoint was switched off",
        message=(
            f"Every delivery to {endpoint.url} has failed since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC, "
            "so we stopped sending to it.\n\n"
            "Events that happened meanwhile are in the endpoint's delivery log; once the endpoint answers again, "
            "enable it (PATCH /api/v1/webhooks/{id}/ with enabled=true, or in the admin) and resend what you "
            f"missed (POST /api/v1/webhooks/{endpoint.pk}/deliveries/{{delivery_id}}/resend/).\n\n"
            f"{settings.SITE_URL}\n"
        ),
        from_email=None,
        recipient_list=recipients,
    )
