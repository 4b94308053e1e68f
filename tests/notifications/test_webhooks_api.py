"""Managing webhook endpoints through the API: the secret is shown once, URLs that would
reach our own network (or plain http in production) are refused with nothing created,
event types are checked, and only a partner's keys (`webhooks` or `book`) and agents may."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from apps.notifications.webhook_models import WebhookEndpoint
from tests.factories import UserFactory
from tests.notifications.webhook_helpers import key_client, partner_with_key

pytestmark = pytest.mark.django_db
PUBLIC_URL = "https://93.184.215.14/hooks"  # a public address: nothing to resolve


def _create(client: APIClient, url: str = PUBLIC_URL, events=("booking.confirmed",)):
    return client.post("/api/v1/webhooks/", {"url": url, "events": list(events)}, format="json")


def test_the_secret_is_in_the_answer_to_post_only():
    _, _, raw = partner_with_key("Partner P")
    client = key_client(raw)

    created = _create(client)

    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == {"id", "url", "events", "enabled", "created_at", "disabled_at", "secret"}
    assert body["secret"].startswith("whsec_")
    detail = client.get(f"/api/v1/webhooks/{body['id']}/").json()
    listed = client.get("/api/v1/webhooks/").json()["results"]
    assert "secret" not in detail
    assert all("secret" not in item for item in listed)


def test_the_secret_is_stored_encrypted():
    from django.db import connection

    _, _, raw = partner_with_key("Partner P")
    secret = _create(key_client(raw)).json()["secret"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM notifications_webhookendpoint")
        [(stored,)] = cursor.fetchall()
    assert secret not in stored
    assert stored.startswith("gAAAAA")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hooks",
        "http://localhost/hooks",
        "http://[::1]/hooks",
        "http://10.1.2.3/hooks",
        "http://192.168.0.10/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://[::ffff:127.0.0.1]/hooks",
        "http://224.0.0.1/hooks",
        "http://0.0.0.0/hooks",
        # IPv6 addresses that carry a private IPv4 one: NAT64, 6to4, Teredo.
        "http://[64:ff9b::a00:1]/hooks",
        "http://[2002:a00:1::1]/hooks",
        "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/hooks",
    ],
)
def test_a_url_reaching_our_own_network_is_refused_at_creation(url):
    _, _, raw = partner_with_key("Partner P")

    response = _create(key_client(raw), url=url)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert (response.json()["code"], list(response.json()["errors"])) == ("validation_error", ["url"])
    assert not WebhookEndpoint.objects.exists()


def test_plain_http_is_refused_where_it_is_not_allowed(settings):
    settings.WEBHOOKS_ALLOW_HTTP = False
    _, _, raw = partner_with_key("Partner P")

    response = _create(key_client(raw), url="http://93.184.215.14/hooks")

    assert (response.status_code, response.json()["code"], list(response.json()["errors"])) == (
        400,
        "validation_error",
        ["url"],
    )
    assert not WebhookEndpoint.objects.exists()


def test_a_url_that_does_not_resolve_is_refused():
    _, _, raw = partner_with_key("Partner P")

    response = _create(key_client(raw), url="https://no-such-host.invalid/hooks")

    assert (response.status_code, list(response.json()["errors"])) == (400, ["url"])


@pytest.mark.parametrize("events", [[], ["booking.held"], ["payment.succeeded"]])
def test_event_types_outside_the_documented_list_are_refused(events):
    _, _, raw = partner_with_key("Partner P")

    response = _create(key_client(raw), events=events)

    assert response.status_code == 400
    assert [field.split("[")[0] for field in response.json()["errors"]] == ["events"]
    assert not WebhookEndpoint.objects.exists()


def test_a_patch_changes_events_and_enabled_and_a_private_url_changes_nothing():
    _, _, raw = partner_with_key("Partner P")
    client = key_client(raw)
    endpoint = _create(client).json()

    changed = client.patch(
        f"/api/v1/webhooks/{endpoint['id']}/", {"events": ["booking.cancelled"], "enabled": False}, format="json"
    )
    refused = client.patch(f"/api/v1/webhooks/{endpoint['id']}/", {"url": "http://10.0.0.1/"}, format="json")

    assert (changed.status_code, changed.json()["events"], changed.json()["enabled"]) == (
        200,
        ["booking.cancelled"],
        False,
    )
    assert (refused.status_code, list(refused.json()["errors"])) == (400, ["url"])
    assert WebhookEndpoint.objects.get().url == PUBLIC_URL


def test_delete_removes_the_endpoint():
    _, _, raw = partner_with_key("Partner P")
    client = key_client(raw)
    endpoint = _create(client).json()

    assert client.delete(f"/api/v1/webhooks/{endpoint['id']}/").status_code == 204
    assert client.get(f"/api/v1/webhooks/{endpoint['id']}/").status_code == 404


def test_a_key_with_the_book_scope_may_manage_webhooks_and_a_read_key_may_not():
    _, _, book = partner_with_key("Partner P", scopes=("book",))
    _, _, read = partner_with_key("Partner R", scopes=("read",))

    assert _create(key_client(book)).status_code == 201
    refused = _create(key_client(read))
    assert (refused.status_code, refused.json()["code"]) == (403, "insufficient_scope")


def test_a_partners_agent_manages_its_webhooks_and_a_customer_may_not():
    partner, _, _ = partner_with_key("Partner P")
    agent = UserFactory(email="agent@p.example", partner=partner)
    agent.groups.add(Group.objects.get_or_create(name="agent")[0])
    agent_client, customer_client = APIClient(), APIClient()
    agent_client.force_authenticate(agent)
    customer_client.force_authenticate(UserFactory(email="someone@example.com"))

    created = _create(agent_client)
    refused = _create(customer_client)

    assert created.status_code == 201
    assert WebhookEndpoint.objects.get().partner == partner
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert customer_client.get("/api/v1/webhooks/").status_code == 403


def test_a_change_to_a_malformed_webhook_path_is_a_problem_json_404_even_from_a_browser_session():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(email="someone@example.com"))

    response = client.patch("/api/v1/webhooks/null,null/", {}, content_type="application/json")

    assert (response.status_code, response["Content-Type"]) == (404, "application/problem+json")
    assert response.json()["code"] == "not_found"


def test_an_endpoint_whose_deliveries_were_resent_can_be_deleted():
    from apps.notifications.webhook_models import WebhookDelivery

    _, _, raw = partner_with_key("Partner P")
    client = key_client(raw)
    endpoint = _create(client).json()
    delivery = WebhookDelivery.objects.create(
        endpoint_id=endpoint["id"], event_type="booking.confirmed", body="{}", state="succeeded", attempts=1
    )
    resent = client.post(f"/api/v1/webhooks/{endpoint['id']}/deliveries/{delivery.pk}/resend/")
    assert resent.status_code == 202

    assert client.delete(f"/api/v1/webhooks/{endpoint['id']}/").status_code == 204
    assert not WebhookDelivery.objects.exists()


def test_finished_deliveries_are_pruned_after_the_retention_period_and_pending_ones_kept(settings):
    from datetime import timedelta

    from apps.core import clock
    from apps.notifications.webhook_models import WebhookDelivery
    from apps.notifications.webhooks.services import webhook_deliveries_prune

    settings.WEBHOOK_DELIVERY_RETENTION_DAYS = 30
    _, _, raw = partner_with_key("Partner P")
    endpoint = WebhookEndpoint.objects.get(pk=_create(key_client(raw)).json()["id"])
    long_ago = clock.now() - timedelta(days=31)

    def delivery(state: str, created_at, **fields) -> WebhookDelivery:
        return WebhookDelivery.objects.create(
            endpoint=endpoint, event_type="booking.confirmed", body='{"data": "Ada"}', state=state,
            created_at=created_at, next_attempt_at=clock.now() if state == "pending" else None, **fields,
        )  # fmt: skip

    old_done = delivery("succeeded", long_ago)
    old_failed = delivery("failed", long_ago)
    old_resent = delivery("succeeded", long_ago)
    pending_resend = delivery("pending", clock.now(), event_id=old_resent.event_id, resend_of=old_resent)
    recent = delivery("succeeded", clock.now())

    assert webhook_deliveries_prune() == 2

    left = set(WebhookDelivery.objects.values_list("pk", flat=True))
    assert left == {old_resent.pk, pending_resend.pk, recent.pk}
    assert not {old_done.pk, old_failed.pk} & left
