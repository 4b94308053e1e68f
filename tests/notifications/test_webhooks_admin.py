"""Partner webhooks in the admin: an agent sees and manages only their partner's endpoints
(with the secret), resends a delivery, and cannot save a URL that reaches our network."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from apps.accounts.models import Partner
from apps.notifications.webhook_models import WebhookDelivery, WebhookEndpoint
from apps.notifications.webhooks.services import webhook_endpoint_create
from tests.accounts.helpers import otp_force_login, roles_ensured
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CLOSED_PORT_URL = "http://127.0.0.1:9/hooks"  # a resend fails at once, on this machine


@pytest.fixture
def agent_client(client, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    agency = Partner.objects.create(name="Sky Agency", contact_email="ops@sky.example")
    agent = UserFactory(email="agent@sky.example", is_staff=True, partner=agency)
    agent.groups.add(roles_ensured()["agent"])
    # What migration notifications 0003 gives the agent role (a flushed test database lost it).
    agent.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="notifications",
            codename__in=[
                "add_webhookendpoint",
                "change_webhookendpoint",
                "view_webhookendpoint",
                "change_webhookdelivery",
                "view_webhookdelivery",
            ],
        )
    )
    otp_force_login(client, agent)
    client.agency = agency
    return client


def test_an_agent_sees_only_their_partners_endpoints_with_the_secret(agent_client):
    own, secret = webhook_endpoint_create(
        partner=agent_client.agency, url=CLOSED_PORT_URL, events=["booking.confirmed"]
    )
    other_partner = Partner.objects.create(name="Other", contact_email="ops@other.example")
    other, _ = webhook_endpoint_create(
        partner=other_partner, url="http://127.0.0.1:9/other", events=["refund.succeeded"]
    )

    listing = agent_client.get("/admin/notifications/webhookendpoint/")
    page = agent_client.get(f"/admin/notifications/webhookendpoint/{own.pk}/change/")
    foreign = agent_client.get(f"/admin/notifications/webhookendpoint/{other.pk}/change/")

    assert listing.status_code == 200
    assert list(listing.context["cl"].queryset) == [own]
    assert page.status_code == 200
    assert secret in page.content.decode()
    assert foreign.status_code == 302  # the admin's answer to an object it does not show


def test_an_agent_resends_a_delivery_from_the_admin(agent_client, django_capture_on_commit_callbacks):
    endpoint, _ = webhook_endpoint_create(
        partner=agent_client.agency, url=CLOSED_PORT_URL, events=["booking.confirmed"]
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_type="booking.confirmed", body="{}", state="failed", attempts=5
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            "/admin/notifications/webhookdelivery/", {"action": "resend", "_selected_action": [delivery.pk]}
        )

    assert response.status_code == 302
    resend = WebhookDelivery.objects.get(resend_of=delivery)
    assert (resend.event_id, resend.body, resend.attempts, resend.state) == (delivery.event_id, "{}", 1, "pending")
    assert "ConnectionRefused" in resend.last_error or "refused" in resend.last_error.lower()


def test_the_admin_refuses_a_url_reaching_our_network(agent_client, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False

    response = agent_client.post(
        "/admin/notifications/webhookendpoint/add/",
        {"partner": agent_client.agency.pk, "url": "http://169.254.169.254/latest/", "events": ["booking.confirmed"]},
    )

    assert response.status_code == 200
    assert "a cloud metadata address" in str(response.context["adminform"].form.errors["url"])
    assert not WebhookEndpoint.objects.exists()
