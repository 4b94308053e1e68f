"""Reads of partner webhooks, and who may see which endpoint."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.accounts.api_keys import PartnerKeyPrincipal
from apps.accounts.models import Partner
from apps.accounts.permissions import user_is_admin, user_is_agent
from apps.core.errors import NotFound
from apps.notifications.webhook_models import WebhookDelivery, WebhookEndpoint


class WebhookEndpointNotFound(NotFound):
    title = "No such webhook endpoint."


class WebhookDeliveryNotFound(NotFound):
    title = "No such webhook delivery."


def webhook_partner_of(principal: Any) -> Partner | None:
    """The partner whose webhooks `principal` manages: a partner key's, or an agent's
    partner; None for anyone else."""
    if isinstance(principal, PartnerKeyPrincipal):
        return principal.partner
    if user_is_agent(principal) and principal.partner_id is not None:
        return principal.partner
    return None


def webhook_endpoints_visible_to(*, user: Any) -> QuerySet[WebhookEndpoint]:
    """In the API and the admin: a partner's keys and agents see the partner's endpoints,
    admins every one, anyone else none."""
    partner = webhook_partner_of(user)
    if partner is not None:
        return WebhookEndpoint.objects.filter(partner=partner)
    if not isinstance(user, PartnerKeyPrincipal) and user_is_admin(user):
        return WebhookEndpoint.objects.all()
    return WebhookEndpoint.objects.none()


def webhook_endpoint_get(*, endpoint_id: int, partner: Partner) -> WebhookEndpoint:
    """The partner's endpoint, else WebhookEndpointNotFound (another's looks the same)."""
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id, partner=partner).first()
    if endpoint is None:
        raise WebhookEndpointNotFound()
    return endpoint


def webhook_endpoint_list(*, partner: Partner) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(partner=partner).order_by("created_at", "pk")


def webhook_delivery_list(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The endpoint's delivery log, newest first."""
    return endpoint.deliveries.order_by("-created_at", "-pk")


def webhook_delivery_get(*, endpoint: WebhookEndpoint, delivery_id: int) -> WebhookDelivery:
    delivery = endpoint.deliveries.filter(pk=delivery_id).select_related("endpoint").first()
    if delivery is None:
        raise WebhookDeliveryNotFound()
    return delivery


def partner_listens(*, partner_id: int, topic: str) -> bool:
    """Whether any enabled endpoint of the partner wants `topic` (cheap: spares serializing)."""
    return any(
        topic in events
        for events in WebhookEndpoint.objects.filter(partner_id=partner_id, enabled=True).values_list(
            "events", flat=True
        )
    )


def partner_contacts(*, partner: Partner) -> list[str]:
    """Who hears about the partner's integration: its contact address and active agents."""
    agents = partner.agents.filter(is_active=True).order_by("email").values_list("email", flat=True)
    return [address for address in dict.fromkeys([partner.contact_email, *agents]) if address]
