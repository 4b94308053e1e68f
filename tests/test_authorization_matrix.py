"""Who may do what to a booking through the API: every actor against every booking
endpoint, each pair its own test. An allowed pair succeeds; any other answers exactly
401 (not signed in), 403 (sees the booking, or might, but the API key lacks the scope) or
404 (cannot see it: unknown and foreign look the same), as problem+json with its code,
and changes nothing: status, total, seats, payments and timeline stay as they were.

`notifications/` has its own matrix below (a person's own, nobody else's).

`POST bookings/{locator}/check-in/` does not exist yet: add it here when it does."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from apps.accounts.api_keys import PartnerKeyPrincipal, api_key_create
from apps.accounts.models import ApiKey, Partner, User
from apps.bookings import services
from apps.bookings.models import Booking, BookingStatus
from apps.inventory.models import SeatAssignment
from apps.inventory.offers import PassengerMix, offer_build
from apps.payments.models import Payment
from tests.factories import FareClassFactory, UserFactory, a320_flight

OK, HIDDEN = "ok", "hidden"  # HIDDEN: the list answers 200 without the booking
ENDPOINTS = ("list", "detail", "seats", "quote", "cancel", "pay")
# fmt: off
MATRIX = {                   # list    detail seats quote cancel pay
    "anonymous":            (401,    401,   401,  401,  401,   401),
    "owner":                (OK,     OK,    OK,   OK,   OK,    OK),
    "other_customer":       (HIDDEN, 404,   404,  404,  404,   404),
    "partner_agent":        (OK,     OK,    OK,   OK,   OK,    OK),
    "other_partner_agent":  (HIDDEN, 404,   404,  404,  404,   404),
    "key_read":             (OK,     OK,    403,  OK,   403,   403),
    "key_book":             (403,    403,   OK,   403,  OK,    403),
    "key_pay":              (403,    403,   403,  403,  403,   OK),
    "other_partner_key":    (HIDDEN, 404,   404,  404,  404,   404),
    "admin":                (OK,     OK,    OK,   OK,   OK,    OK),
}
# fmt: on
CODES = {401: "not_authenticated", 403: "insufficient_scope", 404: "not_found"}
SEAT = "21C"  # a free economy seat of the A320


def _cases():
    for actor, outcomes in MATRIX.items():
        for endpoint, expected in zip(ENDPOINTS, outcomes, strict=True):
            yield pytest.param(actor, endpoint, expected, id=f"{actor}-{endpoint}")


class World:
    """Partner P (whose agent and keys act) and partner Q (the outsiders), a customer
    who owns the booking, another customer, and an admin."""

    def __init__(self) -> None:
        self.partner = Partner.objects.create(name="Partner P", contact_email="ops@p.example")
        self.other_partner = Partner.objects.create(name="Partner Q", contact_email="ops@q.example")
        # get_or_create: a transactional test's flush empties the tables migrations filled.
        agents, _ = Group.objects.get_or_create(name="agent")
        self.users: dict[str, User] = {
            "owner": UserFactory(email="owner@example.com"),
            "other_customer": UserFactory(email="other@example.com"),
            "partner_agent": UserFactory(email="agent@p.example", is_staff=True, partner=self.partner),
            "other_partner_agent": UserFactory(email="agent@q.example", is_staff=True, partner=self.other_partner),
            "admin": UserFactory(email="admin@example.com", is_staff=True),
        }
        for name in ("partner_agent", "other_partner_agent"):
            self.users[name].groups.add(agents)
        self.users["admin"].groups.add(Group.objects.get_or_create(name="admin")[0])
        self.keys: dict[str, tuple[ApiKey, str]] = {
            "key_read": self._key(self.partner, ["read"]),
            "key_book": self._key(self.partner, ["book"]),
            "key_pay": self._key(self.partner, ["pay"]),
            "other_partner_key": self._key(self.other_partner, ["read", "book", "pay"]),
            "maker": self._key(self.partner, ["read", "book", "pay"]),
        }

    @staticmethod
    def _key(partner: Partner, scopes: list[str]) -> tuple[ApiKey, str]:
        return api_key_create(partner=partner, name=",".join(scopes), scopes=scopes, created_by=None)

    def booking_for(self, actor: str) -> Booking:
        """A held booking the owner made through partner P's booking engine with a key of
        P: the key acting now when it is one of P's, else another of P's keys. (So one
        booking is the owner's, partner P's and that key's at once.)"""
        api_key, _ = self.keys[actor if actor in ("key_read", "key_book", "key_pay") else "maker"]
        fare_class = FareClassFactory(flight=a320_flight(), capacity=144)
        offer = offer_build(slices=[[fare_class]], mix=PassengerMix(adults=1), cabin="economy")
        booking = services.booking_create(
            offer_id=offer.id,
            passengers=[services.PassengerInput(type="adult", given_name="Ada", family_name="Lovelace")],
            contact=services.ContactInput(email="owner@example.com"),
            user=PartnerKeyPrincipal(api_key),
        )
        Booking.objects.filter(pk=booking.pk).update(user=self.users["owner"])
        assert (booking.partner, booking.api_key) == (self.partner, api_key)
        return Booking.objects.get(pk=booking.pk)

    def client_for(self, actor: str) -> APIClient:
        client = APIClient()
        if actor in self.users:
            client.force_authenticate(self.users[actor])
        elif actor in self.keys:
            client.credentials(HTTP_AUTHORIZATION=f"Api-Key {self.keys[actor][1]}")
        return client


def _call(client: APIClient, endpoint: str, booking: Booking):
    base = f"/api/v1/bookings/{booking.locator}/"
    if endpoint == "list":
        return client.get("/api/v1/bookings/")
    if endpoint == "detail":
        return client.get(base)
    if endpoint == "seats":
        choice = {"passenger_id": booking.passengers.get().pk, "flight_id": booking.segments.get().flight_id}
        return client.put(f"{base}seats/", {"seats": [{**choice, "designator": SEAT}]}, format="json")
    if endpoint == "quote":
        return client.get(f"{base}cancellation/")
    if endpoint == "cancel":
        return client.post(f"{base}cancellation/")
    return client.post(f"{base}payments/", {"payment_method": "pm_card_visa"}, format="json")


def _state(booking: Booking) -> dict:
    booking = Booking.objects.get(pk=booking.pk)
    return {
        "status": booking.status,
        "total_amount": booking.total_amount,
        "seats": list(SeatAssignment.objects.filter(reference=booking.locator, active=True).values_list("designator")),
        "payments": list(Payment.objects.filter(booking=booking).values_list("pk", "status", "amount_refunded")),
        "events": list(booking.events.values_list("pk", "kind")),
    }


def _assert_succeeded(endpoint: str, response, booking: Booking) -> None:
    body = response.json()
    after = _state(booking)
    if endpoint == "list":
        assert response.status_code == 200
        assert booking.locator in [b["locator"] for b in body["results"]]
    elif endpoint == "detail":
        assert (response.status_code, body["locator"], body["status"]) == (200, booking.locator, "held")
    elif endpoint == "seats":
        assert response.status_code == 200, body
        assert after["seats"] == [(SEAT,)]
    elif endpoint == "quote":
        assert (response.status_code, body["refund_amount"]) == (200, "0.00")
    elif endpoint == "cancel":
        assert response.status_code == 200, body
        assert after["status"] == BookingStatus.CANCELLED
    else:
        assert response.status_code == 201, body
        assert body["status"] == "succeeded"
        assert after["status"] == BookingStatus.CONFIRMED


@pytest.mark.django_db
@pytest.mark.parametrize(("actor", "endpoint", "expected"), list(_cases()))
def test_booking_endpoint_authorization(actor, endpoint, expected):
    world = World()
    booking = world.booking_for(actor)
    before = _state(booking)

    response = _call(world.client_for(actor), endpoint, booking)

    if expected == OK:
        _assert_succeeded(endpoint, response, booking)
        return
    if expected == HIDDEN:
        assert response.status_code == 200
        assert booking.locator not in [b["locator"] for b in response.json()["results"]]
    else:
        assert response.status_code == expected, response.content
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == CODES[expected]
    assert _state(booking) == before


@pytest.mark.django_db
def test_the_matrix_booking_starts_held_unpaid_and_seatless():
    """The refusals above prove "nothing changed" against this starting point."""
    world = World()
    state = _state(world.booking_for("owner"))
    assert (state["status"], state["seats"], state["payments"]) == (BookingStatus.HELD, [], [])
    assert state["total_amount"] == Decimal("200.00")
    assert [kind for _, kind in state["events"]] == ["created"]


# Partner P's webhook endpoint, against every actor. Webhooks belong to a partner: its
# keys with `webhooks` or `book` and its agents manage them; nobody else sees them (a
# customer and an admin have no partner: 403; staff use the admin pages instead).
WEBHOOK_ENDPOINTS = ("list", "detail", "update", "delete", "roll", "deliveries", "resend")
# fmt: off
WEBHOOK_MATRIX = {           # list    detail update delete roll deliveries resend
    "anonymous":            (401,    401,   401,   401,   401, 401,       401),
    "owner":                (403,    403,   403,   403,   403, 403,       403),
    "partner_agent":        (OK,     OK,    OK,    OK,    OK,  OK,        OK),
    "other_partner_agent":  (HIDDEN, 404,   404,   404,   404, 404,       404),
    "key_read":             (403,    403,   403,   403,   403, 403,       403),
    "key_book":             (OK,     OK,    OK,    OK,    OK,  OK,        OK),
    "key_pay":              (403,    403,   403,   403,   403, 403,       403),
    "other_partner_key":    (HIDDEN, 404,   404,   404,   404, 404,       404),
    "admin":                (403,    403,   403,   403,   403, 403,       403),
}
# fmt: on


def _webhook_cases():
    for actor, outcomes in WEBHOOK_MATRIX.items():
        for endpoint, expected in zip(WEBHOOK_ENDPOINTS, outcomes, strict=True):
            yield pytest.param(actor, endpoint, expected, id=f"{actor}-webhooks-{endpoint}")


def _webhook_of(world: World):
    from apps.notifications.webhook_models import WebhookDelivery
    from apps.notifications.webhooks.services import webhook_endpoint_create

    # A closed loopback port: a resend fails at once, without leaving the machine.
    endpoint, _ = webhook_endpoint_create(
        partner=world.partner, url="http://127.0.0.1:9/hooks", events=["booking.confirmed"]
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_type="booking.confirmed", body="{}", state="succeeded", attempts=1
    )
    return endpoint, delivery


def _webhook_call(client: APIClient, endpoint: str, webhook, delivery):
    base = f"/api/v1/webhooks/{webhook.pk}/"
    return {
        "list": lambda: client.get("/api/v1/webhooks/"),
        "detail": lambda: client.get(base),
        "update": lambda: client.patch(base, {"enabled": False}, format="json"),
        "delete": lambda: client.delete(base),
        "roll": lambda: client.post(f"{base}roll-secret/"),
        "deliveries": lambda: client.get(f"{base}deliveries/"),
        "resend": lambda: client.post(f"{base}deliveries/{delivery.pk}/resend/"),
    }[endpoint]()


def _webhook_state(webhook) -> dict:
    from apps.notifications.webhook_models import WebhookDelivery, WebhookEndpoint

    stored = WebhookEndpoint.objects.filter(pk=webhook.pk).values("url", "events", "enabled").first()
    secret = WebhookEndpoint.objects.get(pk=webhook.pk).secret if stored else None
    return {"endpoint": stored, "secret": secret, "deliveries": WebhookDelivery.objects.count()}


@pytest.mark.django_db
@pytest.mark.parametrize(("actor", "endpoint", "expected"), list(_webhook_cases()))
def test_webhook_endpoint_authorization(actor, endpoint, expected, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    world = World()
    webhook, delivery = _webhook_of(world)
    before = _webhook_state(webhook)

    response = _webhook_call(world.client_for(actor), endpoint, webhook, delivery)

    after = _webhook_state(webhook)
    if expected == OK:
        assert response.status_code == {"delete": 204, "resend": 202}.get(endpoint, 200), response.content
        if endpoint in ("list", "deliveries"):
            wanted = webhook.pk if endpoint == "list" else delivery.pk
            assert wanted in [item["id"] for item in response.json()["results"]]
        elif endpoint == "detail":
            assert response.json()["id"] == webhook.pk
        elif endpoint == "update":
            assert after["endpoint"]["enabled"] is False
        elif endpoint == "delete":
            assert after["endpoint"] is None
        elif endpoint == "roll":
            assert after["secret"] == response.json()["secret"] != before["secret"]
        else:
            assert after["deliveries"] == before["deliveries"] + 1
        return
    if expected == HIDDEN:
        assert response.status_code == 200
        assert webhook.pk not in [item["id"] for item in response.json()["results"]]
    else:
        assert response.status_code == expected, response.content
        assert response["Content-Type"] == "application/problem+json"
        code = CODES[expected] if expected != 403 or actor.startswith("key_") else "permission_denied"
        assert response.json()["code"] == code
    assert after == before


# `notifications/`: a person's own in-app notifications. Nobody else sees or marks them,
# not agents nor admins (404); partner keys have none (403 `permission_denied`).
# fmt: off
NOTIFICATION_MATRIX = {      # list    read
    "anonymous":            (401,    401),
    "owner":                (OK,     OK),
    "other_customer":       (HIDDEN, 404),
    "partner_agent":        (HIDDEN, 404),
    "other_partner_agent":  (HIDDEN, 404),
    "key_read":             (403,    403),
    "key_book":             (403,    403),
    "key_pay":              (403,    403),
    "other_partner_key":    (403,    403),
    "admin":                (HIDDEN, 404),
}
# fmt: on
NOTIFICATION_CODES = {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}


def _notification_cases():
    for actor, outcomes in NOTIFICATION_MATRIX.items():
        for endpoint, expected in zip(("list", "read"), outcomes, strict=True):
            yield pytest.param(actor, endpoint, expected, id=f"{actor}-notifications-{endpoint}")


@pytest.mark.django_db
@pytest.mark.parametrize(("actor", "endpoint", "expected"), list(_notification_cases()))
def test_notification_endpoint_authorization(actor, endpoint, expected):
    from apps.notifications.models import Notification

    world = World()
    booking = world.booking_for(actor)
    notification = Notification.objects.create(
        user=world.users["owner"],
        booking=booking,
        channel="in_app",
        recipient=f"user:{world.users['owner'].pk}",
        kind="booking_held",
        event_id=uuid.uuid4(),
        status="sent",
        subject=f"Booking {booking.locator} is held",
    )
    client = world.client_for(actor)

    if endpoint == "list":
        response = client.get("/api/v1/notifications/")
    else:
        response = client.post(f"/api/v1/notifications/{notification.pk}/read/")

    notification.refresh_from_db()
    if expected == OK:
        assert response.status_code == 200, response.content
        if endpoint == "list":
            assert [n["id"] for n in response.json()["results"]] == [notification.pk]
        else:
            assert notification.read_at is not None
        return
    if expected == HIDDEN:
        assert response.status_code == 200
        assert notification.pk not in [n["id"] for n in response.json()["results"]]
    else:
        assert response.status_code == expected, response.content
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == NOTIFICATION_CODES[expected]
    assert notification.read_at is None
