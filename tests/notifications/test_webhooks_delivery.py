"""Partner webhooks end to end: a partner's booking is confirmed through the real services,
the outbox dispatches on commit (Celery in-process), and a real HTTP receiver on loopback
gets the signed event; retries are driven by moving the clock and running the periodic job."""

from __future__ import annotations

import json
import socket
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from apps.core import clock
from apps.notifications.webhook_models import WebhookDelivery, WebhookDeliveryState, WebhookEndpoint
from apps.notifications.webhooks import addresses, services, tasks
from apps.notifications.webhooks.signing import signature
from tests.factories import UserFactory
from tests.notifications.webhook_helpers import Receiver, key_client, partner_booking_confirmed, partner_with_key

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def loopback_allowed(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    return settings


@pytest.fixture
def moved_clock(monkeypatch):
    """`shift(delta)` moves the project's clock forward."""
    offset = [timedelta()]
    monkeypatch.setattr(clock, "now", lambda: timezone.now() + offset[0])

    def shift(delta: timedelta) -> None:
        offset[0] += delta

    return shift


@pytest.fixture
def receivers():
    made: list[Receiver] = []

    def make(*args, **kwargs) -> Receiver:
        made.append(Receiver(*args, **kwargs))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


def _endpoint(raw_key: str, url: str, events=("booking.confirmed",)) -> dict:
    response = key_client(raw_key).post("/api/v1/webhooks/", {"url": url, "events": list(events)}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _signatures(header: str) -> tuple[int, list[str]]:
    pairs = [item.split("=", 1) for item in header.split(",")]
    return int(next(v for k, v in pairs if k == "t")), [v for k, v in pairs if k == "v1"]


def test_a_confirmed_partner_booking_is_posted_to_its_endpoint_signed_with_its_secret(loopback_allowed, receivers):
    receiver = receivers()
    _, api_key, raw = partner_with_key("Partner P")
    endpoint = _endpoint(raw, receiver.url)

    booking = partner_booking_confirmed(api_key)

    [request] = receiver.requests
    body = json.loads(request.body)
    assert set(body) == {"id", "type", "created_at", "data"}
    assert (body["type"], body["data"]["locator"], body["data"]["status"]) == (
        "booking.confirmed",
        booking.locator,
        "confirmed",
    )
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"].startswith("flightbook-webhooks/")
    timestamp, [v1] = _signatures(request.headers["Flightbook-Signature"])
    assert v1 == signature(secret=endpoint["secret"], timestamp=timestamp, body=request.body)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 200)
    assert delivery.last_response_body == "answered 200"


def test_a_receiver_failing_twice_gets_the_event_three_times_with_growing_delays(
    loopback_allowed, receivers, moved_clock
):
    receiver = receivers(statuses=[500, 503])
    _, api_key, raw = partner_with_key("Partner P")
    endpoint = _endpoint(raw, receiver.url)
    partner_booking_confirmed(api_key)
    delays = []
    for _ in range(2):
        delivery = WebhookDelivery.objects.get()
        assert delivery.state == WebhookDeliveryState.PENDING
        delays.append(delivery.next_attempt_at - delivery.last_attempt_at)
        tasks.webhook_deliveries_retry()  # not due yet: nothing is sent
        assert len(receiver.requests) == len(delays)
        moved_clock(delivery.next_attempt_at - clock.now())
        tasks.webhook_deliveries_retry()

    assert [json.loads(r.body)["id"] for r in receiver.requests] == [json.loads(receiver.requests[0].body)["id"]] * 3
    assert len({r.body for r in receiver.requests}) == 1
    assert timedelta(0) < delays[0] < delays[1]
    log = key_client(raw).get(f"/api/v1/webhooks/{endpoint['id']}/deliveries/").json()
    [entry] = log["results"]
    assert (entry["event"], entry["state"], entry["attempts"], entry["last_status"], entry["next_attempt_at"]) == (
        "booking.confirmed",
        "succeeded",
        3,
        200,
        None,
    )


def test_a_resent_delivery_carries_the_same_id_so_the_receiver_recognises_the_replay(loopback_allowed, receivers):
    receiver = receivers()
    _, api_key, raw = partner_with_key("Partner P")
    endpoint = _endpoint(raw, receiver.url)
    partner_booking_confirmed(api_key)
    first = WebhookDelivery.objects.get()

    response = key_client(raw).post(f"/api/v1/webhooks/{endpoint['id']}/deliveries/{first.pk}/resend/")

    assert response.status_code == 202, response.content
    assert (response.json()["resend_of"], response.json()["state"]) == (first.pk, "succeeded")
    original, replay = receiver.requests
    assert json.loads(original.body)["id"] == json.loads(replay.body)["id"] == str(first.event_id)
    assert original.body == replay.body
    log = key_client(raw).get(f"/api/v1/webhooks/{endpoint['id']}/deliveries/").json()
    assert [entry["event_id"] for entry in log["results"]] == [str(first.event_id)] * 2


def test_a_url_turned_private_is_refused_at_delivery_time(settings, receivers):
    receiver = receivers()
    _, api_key, raw = partner_with_key("Partner P")
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    _endpoint(raw, receiver.url)
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False

    partner_booking_confirmed(api_key)

    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert "127.0.0.1, a loopback address" in delivery.last_error


def test_a_redirect_is_not_followed_and_counts_as_a_failure(loopback_allowed, receivers):
    target = receivers()
    receiver = receivers(statuses=[302], location=target.url)
    _, api_key, raw = partner_with_key("Partner P")
    _endpoint(raw, receiver.url)

    partner_booking_confirmed(api_key)

    assert (len(receiver.requests), target.requests) == (1, [])
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.last_status_code) == ("pending", 302)
    assert "not followed" in delivery.last_error


def test_a_receiver_slower_than_5_seconds_is_a_failed_attempt(loopback_allowed, receivers):
    receiver = receivers(delay=7.0)
    _, api_key, raw = partner_with_key("Partner P")
    _endpoint(raw, receiver.url)

    partner_booking_confirmed(api_key)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert "timed out" in delivery.last_error.lower()


def test_another_partners_or_a_customers_booking_never_reaches_this_partner(loopback_allowed, receivers):
    receiver = receivers()
    _, _, raw = partner_with_key("Partner P")
    _endpoint(raw, receiver.url)
    _, other_key, _ = partner_with_key("Partner Q")

    partner_booking_confirmed(other_key)
    partner_booking_confirmed(None)

    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_an_endpoint_only_gets_the_event_types_it_chose(loopback_allowed, receivers):
    receiver = receivers()
    _, api_key, raw = partner_with_key("Partner P")
    _endpoint(raw, receiver.url, events=["booking.cancelled"])

    partner_booking_confirmed(api_key)

    assert receiver.requests == []


def test_after_a_roll_both_secrets_sign_for_24_hours_then_only_the_new_one(loopback_allowed, receivers, moved_clock):
    receiver = receivers()
    _, api_key, raw = partner_with_key("Partner P")
    endpoint = _endpoint(raw, receiver.url)
    rolled = key_client(raw).post(f"/api/v1/webhooks/{endpoint['id']}/roll-secret/").json()
    assert rolled["secret"] != endpoint["secret"]

    partner_booking_confirmed(api_key)
    moved_clock(timedelta(hours=24, seconds=1))
    partner_booking_confirmed(api_key)

    during, after = receiver.requests
    timestamp, signatures = _signatures(during.headers["Flightbook-Signature"])
    assert signatures == [
        signature(secret=rolled["secret"], timestamp=timestamp, body=during.body),
        signature(secret=endpoint["secret"], timestamp=timestamp, body=during.body),
    ]
    timestamp, signatures = _signatures(after.headers["Flightbook-Signature"])
    assert signatures == [signature(secret=rolled["secret"], timestamp=timestamp, body=after.body)]


def test_an_endpoint_failing_for_three_days_is_disabled_and_the_partner_told(loopback_allowed, receivers, moved_clock):
    receiver = receivers(statuses=[500] * 100)
    partner, api_key, raw = partner_with_key("Partner P")
    agent = UserFactory(email="agent@partner-p.example", partner=partner)
    agent.groups.add(Group.objects.get_or_create(name="agent")[0])
    endpoint = _endpoint(raw, receiver.url)
    partner_booking_confirmed(api_key)
    moved_clock(timedelta(days=2))
    partner_booking_confirmed(api_key)  # still failing after two days: still enabled
    assert WebhookEndpoint.objects.get().enabled
    assert not [m for m in mail.outbox if "webhook" in m.subject]

    moved_clock(timedelta(days=1))
    tasks.webhook_deliveries_retry()

    stored = WebhookEndpoint.objects.get()
    assert (stored.enabled, stored.disabled_at is not None) == (False, True)
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {WebhookDeliveryState.DISABLED}
    [notice] = [m for m in mail.outbox if "webhook" in m.subject]
    assert notice.to == ["ops@partner-p.example", "agent@partner-p.example"]
    assert receiver.url in notice.body
    sent = len(receiver.requests)
    partner_booking_confirmed(api_key)
    assert len(receiver.requests) == sent
    detail = key_client(raw).get(f"/api/v1/webhooks/{endpoint['id']}/").json()
    assert (detail["enabled"], detail["disabled_at"] is not None) == (False, True)


def test_a_delivery_is_given_up_72_hours_after_the_event(loopback_allowed, receivers, moved_clock):
    receivers_down = receivers(statuses=[500] * 100)
    _, api_key, raw = partner_with_key("Partner P")
    _endpoint(raw, receivers_down.url)
    partner_booking_confirmed(api_key)
    # Another delivery succeeding meanwhile keeps the endpoint enabled: only this one gives up.
    delivery = WebhookDelivery.objects.get()
    moved_clock(timedelta(hours=72))
    WebhookEndpoint.objects.update(failing_since=None)

    tasks.webhook_deliveries_retry()

    delivery.refresh_from_db()
    assert (delivery.state, delivery.next_attempt_at, delivery.attempts) == ("failed", None, 2)


def test_a_delivered_event_is_not_sent_again_by_the_periodic_job(loopback_allowed, receivers):
    receiver = receivers()
    _, api_key, raw = partner_with_key("Partner P")
    _endpoint(raw, receiver.url)
    partner_booking_confirmed(api_key)

    assert services.webhook_deliveries_retry() == 0
    assert len(receiver.requests) == 1


class Resolver:
    """A stand-in for DNS for one name (the rest resolves as usual): `answer` is what the
    name resolves to now; `lookups` counts the questions."""

    def __init__(self, monkeypatch, name: str, answer: str) -> None:
        self.name, self.answer, self.lookups = name, answer, 0
        real = socket.getaddrinfo

        def getaddrinfo(host, port, *args, **kwargs):
            if host != self.name:
                return real(host, port, *args, **kwargs)
            self.lookups += 1
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (self.answer, port))]

        monkeypatch.setattr(addresses.socket, "getaddrinfo", getaddrinfo)


def test_a_name_re_pointed_at_our_network_after_creation_is_refused_at_delivery(monkeypatch, receivers):
    receiver = receivers()
    port = receiver.server.server_address[1]
    resolver = Resolver(monkeypatch, "hooks.partner.test", answer="93.184.215.14")
    _, api_key, raw = partner_with_key("Partner P")
    _endpoint(raw, f"http://hooks.partner.test:{port}/hooks")
    resolver.answer = "127.0.0.1"  # DNS rebinding: the name now points at us

    partner_booking_confirmed(api_key)

    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.last_status_code) == ("pending", None)
    assert "resolves to 127.0.0.1, a loopback address" in delivery.last_error


def test_an_attempt_connects_to_the_address_it_checked_and_names_the_host(loopback_allowed, monkeypatch, receivers):
    receiver = receivers()
    port = receiver.server.server_address[1]
    resolver = Resolver(monkeypatch, "hooks.partner.test", answer="127.0.0.1")
    _, api_key, raw = partner_with_key("Partner P")
    _endpoint(raw, f"http://hooks.partner.test:{port}/hooks?source=flightbook")
    lookups_at_creation = resolver.lookups

    partner_booking_confirmed(api_key)

    [request] = receiver.requests
    assert request.headers["Host"] == f"hooks.partner.test:{port}"
    assert request.path == "/hooks?source=flightbook"
    assert resolver.lookups - lookups_at_creation == 1  # one answer, checked and used
