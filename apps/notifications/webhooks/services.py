"""Every write of partner webhooks: endpoints (create, change, delete, roll the secret),
deliveries (made from outbox events, attempted, retried, resent) and switching off an
endpoint that has failed for days. docs/webhooks.md is the partner's side of it."""

from __future__ import annotations

import json
import logging
import random
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from kombu.exceptions import OperationalError

from apps.accounts.models import Partner
from apps.core import clock, outbox
from apps.core.audit import audit_record
from apps.core.errors import ValidationFailed
from apps.core.events import Topic
from apps.notifications.webhook_models import (
    WebhookDelivery,
    WebhookDeliveryState,
    WebhookEndpoint,
    WebhookEventType,
)
from apps.notifications.webhooks import locks, signing, transport
from apps.notifications.webhooks.addresses import UrlRefused, url_resolve

logger = logging.getLogger(__name__)
USER_AGENT = "flightbook-webhooks/1.0 (+docs/webhooks.md)"
# The old secret keeps signing this long after a roll, next to the new one.
ROLL_OVERLAP = timedelta(hours=24)
# A delivery is retried for this long after it was made, then given up.
RETRY_WINDOW = timedelta(hours=72)
# An endpoint whose every attempt has failed for this long is switched off.
DISABLE_AFTER = timedelta(days=3)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=12)
# While one worker calls the endpoint, no other takes the delivery (longer than the timeout).
SEND_LEASE = timedelta(seconds=60)
# Topic a partner's endpoint being switched off is published under (its contacts are told).
ENDPOINT_DISABLED = Topic.WEBHOOK_ENDPOINT_DISABLED


def _url_check(url: str) -> str:
    try:
        url_resolve(url)
    except UrlRefused as refusal:
        raise ValidationFailed(errors={"url": [str(refusal)]}) from None
    return url


def _events_check(events: Iterable[str]) -> list[str]:
    events = list(dict.fromkeys(events))
    unknown = [event for event in events if event not in WebhookEventType.values]
    if not events or unknown:
        raise ValidationFailed(errors={"events": [f"Choose one or more of {', '.join(WebhookEventType.values)}."]})
    return events


def webhook_endpoint_create(
    *, partner: Partner, url: str, events: Iterable[str], enabled: bool = True, actor: Any = None
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint of `partner`. Returns it and its signing secret, which the partner
    sees now only."""
    events = _events_check(events)
    url = _url_check(url)
    secret = signing.secret_new()
    now = clock.now()
    with transaction.atomic(durable=True):
        endpoint = WebhookEndpoint.objects.create(
            partner=partner,
            url=url,
            events=events,
            enabled=enabled,
            secret=secret,
            created_by=actor if getattr(actor, "pk", None) else None,
            created_at=now,
            updated_at=now,
        )
        audit_record(
            actor=actor, action="webhook_endpoint_create", obj=endpoint, changes={"url": url, "events": events}
        )
    return endpoint, secret


def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    actor: Any = None,
    url: str | None = None,
    events: Iterable[str] | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    """Change what is given. Enabling an endpoint the system switched off starts afresh."""
    changes: dict[str, Any] = {}
    if url is not None and url != endpoint.url:
        changes["url"] = [endpoint.url, _url_check(url)]
    if events is not None:
        events = _events_check(events)
        if events != endpoint.events:
            changes["events"] = [endpoint.events, events]
    if enabled is not None and enabled != endpoint.enabled:
        changes["enabled"] = [endpoint.enabled, enabled]
    if not changes:
        return endpoint
    with transaction.atomic(durable=True):
        endpoint = locks.webhook_endpoint_lock(pk=endpoint.pk) or endpoint
        for field, (_, after) in changes.items():
            setattr(endpoint, field, after)
        if changes.get("enabled", [None, False])[1]:
            endpoint.failing_since = None
            endpoint.disabled_at = None
        endpoint.updated_at = clock.now()
        endpoint.save()
        audit_record(actor=actor, action="webhook_endpoint_update", obj=endpoint, changes=changes)
    return endpoint


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor: Any = None) -> None:
    """Delete the endpoint and its delivery log; nothing more is sent to it."""
    with transaction.atomic(durable=True):
        audit_record(actor=actor, action="webhook_endpoint_delete", obj=endpoint, changes={"url": endpoint.url})
        endpoint.delete()


def webhook_endpoint_secret_roll(*, endpoint: WebhookEndpoint, actor: Any = None) -> tuple[WebhookEndpoint, str]:
    """A new signing secret, returned once. For ROLL_OVERLAP the old one signs too (a
    second `v1` in the header), so the partner can switch without missing an event."""
    secret = signing.secret_new()
    with transaction.atomic(durable=True):
        endpoint = locks.webhook_endpoint_lock(pk=endpoint.pk) or endpoint
        now = clock.now()
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = now + ROLL_OVERLAP
        endpoint.secret = secret
        endpoint.updated_at = now
        endpoint.save()
        audit_record(actor=actor, action="webhook_endpoint_secret_roll", obj=endpoint)
    return endpoint, secret


def signing_secrets(*, endpoint: WebhookEndpoint, at: datetime) -> list[str]:
    """The secrets that sign a delivery sent at `at`: the current one, and the previous one
    while its overlap lasts."""
    secrets = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_expires_at and at < endpoint.previous_secret_expires_at:
        secrets.append(endpoint.previous_secret)
    return secrets


def webhook_body(*, event_id: uuid.UUID, event_type: str, created_at: datetime, data: dict) -> str:
    """The JSON body every attempt sends byte for byte: `{id, type, created_at, data}`."""
    body = {"id": str(event_id), "type": event_type, "created_at": created_at.isoformat(), "data": data}
    return json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False)


def _enqueue(delivery_ids: list[int]) -> None:
    from apps.notifications.webhooks.tasks import webhook_delivery_send

    for delivery_id in delivery_ids:
        try:
            webhook_delivery_send.apply_async(args=[delivery_id], retry=False)
        except OperationalError as exc:
            # The broker is away: the deliveries stay due and the periodic retry sends them.
            logger.warning("could not queue webhook deliveries %s (%s)", delivery_ids, exc)
            return


def webhook_deliveries_create(
    *, partner_id: int, event_id: uuid.UUID, event_type: str, created_at: datetime, data: dict
) -> list[WebhookDelivery]:
    """One pending delivery of the event to each enabled endpoint of the partner that
    subscribed to its type, sent right after commit. Idempotent per event and endpoint."""
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(partner_id=partner_id, enabled=True)
        if event_type in endpoint.events
    ]
    if not endpoints:
        return []
    body = webhook_body(event_id=event_id, event_type=event_type, created_at=created_at, data=data)
    now = clock.now()
    made = []
    with transaction.atomic(durable=True):
        for endpoint in endpoints:
            delivery, created = WebhookDelivery.objects.get_or_create(
                endpoint=endpoint,
                event_id=event_id,
                resend_of=None,
                defaults={"event_type": event_type, "body": body, "next_attempt_at": now, "created_at": now},
            )
            if created:
                made.append(delivery)
        ids = [delivery.pk for delivery in made]
        transaction.on_commit(lambda: _enqueue(ids))
    return made


def webhook_delivery_resend(*, delivery: WebhookDelivery, actor: Any = None) -> WebhookDelivery:
    """Send the same event again (same body, same `id`, signed afresh), as a new delivery
    with its own log, now and on the usual schedule."""
    now = clock.now()
    with transaction.atomic(durable=True):
        resend = WebhookDelivery.objects.create(
            endpoint=delivery.endpoint,
            event_id=delivery.event_id,
            event_type=delivery.event_type,
            body=delivery.body,
            next_attempt_at=now,
            created_at=now,
            resend_of=delivery,
        )
        audit_record(actor=actor, action="webhook_delivery_resend", obj=delivery, changes={"resend": resend.pk})
        transaction.on_commit(lambda: _enqueue([resend.pk]))
    return resend


def retry_delay(attempts: int) -> timedelta:
    """How long after its `attempts`-th failed attempt a delivery is tried again: doubling
    from FIRST_RETRY up to LONGEST_RETRY, with jitter (75-100 %) so that deliveries failing
    together do not come back together, and each delay still longer than the one before."""
    base = min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_RETRY)
    return base * random.uniform(0.75, 1.0)  # noqa: S311 (jitter, not a secret)


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    with transaction.atomic(durable=True):
        delivery = locks.webhook_deliveries_due_lock(now=now).select_related("endpoint").filter(pk=delivery_id).first()
        if delivery is None:
            return None
        if not delivery.endpoint.enabled:
            delivery.state, delivery.next_attempt_at = WebhookDeliveryState.DISABLED, None
            delivery.save(update_fields=["state", "next_attempt_at"])
            return None
        delivery.next_attempt_at = now + SEND_LEASE
        delivery.save(update_fields=["next_attempt_at"])
        return delivery


def webhook_delivery_attempt(*, delivery_id: int) -> WebhookDelivery | None:
    """Send a due delivery once and record what came back; None when it was not due (sent
    already, or another worker has it). Nothing is locked while the endpoint is called."""
    delivery = _claim(delivery_id, clock.now())
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    body = delivery.body.encode()
    sent_at = clock.now()
    timestamp = int(sent_at.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        signing.HEADER: signing.signature_header(
            secrets_in_use=signing_secrets(endpoint=endpoint, at=sent_at), timestamp=timestamp, body=body
        ),
    }
    outcome = transport.webhook_post(url=endpoint.url, body=body, headers=headers)
    return _record(delivery=delivery, outcome=outcome, sent_at=sent_at)


def _record(*, delivery: WebhookDelivery, outcome: transport.Outcome, sent_at: datetime) -> WebhookDelivery:
    now = clock.now()
    with transaction.atomic(durable=True):
        delivery.attempts += 1
        delivery.last_status_code = outcome.status_code
        delivery.last_response_ms = outcome.response_ms
        delivery.last_response_body = outcome.response_body
        delivery.last_error = outcome.error[:300]
        delivery.last_attempt_at = sent_at
        endpoint = locks.webhook_endpoint_lock(pk=delivery.endpoint_id)
        if endpoint is None:
            return delivery  # deleted while we called it: its log went with it
        if outcome.succeeded:
            delivery.state, delivery.succeeded_at, delivery.next_attempt_at = WebhookDeliveryState.SUCCEEDED, now, None
            if endpoint.failing_since is not None:
                endpoint.failing_since = None
                endpoint.save(update_fields=["failing_since"])
        else:
            deadline = delivery.created_at + RETRY_WINDOW
            if now >= deadline:
                delivery.state, delivery.next_attempt_at = WebhookDeliveryState.FAILED, None
            else:
                delivery.next_attempt_at = min(now + retry_delay(delivery.attempts), deadline)
            if endpoint.failing_since is None:
                endpoint.failing_since = sent_at
                endpoint.save(update_fields=["failing_since"])
            elif endpoint.enabled and now - endpoint.failing_since >= DISABLE_AFTER:
                _endpoint_disable(endpoint=endpoint, now=now)
                delivery.state, delivery.next_attempt_at = WebhookDeliveryState.DISABLED, None
        delivery.save()
    return delivery


def _endpoint_disable(*, endpoint: WebhookEndpoint, now: datetime) -> None:
    """Switch off an endpoint that keeps failing; its pending deliveries stop and the
    partner's contacts are told (by email, through the outbox)."""
    endpoint.enabled, endpoint.disabled_at = False, now
    endpoint.save(update_fields=["enabled", "disabled_at"])
    endpoint.deliveries.filter(state=WebhookDeliveryState.PENDING).update(
        state=WebhookDeliveryState.DISABLED, next_attempt_at=None
    )
    audit_record(
        actor=None,
        action="webhook_endpoint_disable",
        obj=endpoint,
        label="system",
        changes={"failing_since": str(endpoint.failing_since)},
    )
    outbox.publish(topic=ENDPOINT_DISABLED, payload={"endpoint_id": endpoint.pk})


def webhook_deliveries_retry(*, limit: int = 200) -> int:
    """Queue a send for every pending delivery that is due (the periodic job); how many."""
    now = clock.now()
    with transaction.atomic(durable=True):
        due = list(
            locks.webhook_deliveries_due_lock(now=now).order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
        )
    _enqueue(due)
    return len(due)


def webhook_deliveries_prune(*, now: datetime | None = None) -> int:
    """Delete finished deliveries older than WEBHOOK_DELIVERY_RETENTION_DAYS: their bodies
    carry booking data (names, itineraries) that need not be kept once the partner had its
    chance to receive it. Returns how many were deleted (resends go with their original)."""
    cutoff = (now or clock.now()) - timedelta(days=settings.WEBHOOK_DELIVERY_RETENTION_DAYS)
    with transaction.atomic(durable=True):
        old = (
            WebhookDelivery.objects.filter(created_at__lt=cutoff)
            .exclude(state=WebhookDeliveryState.PENDING)
            .exclude(resends__state=WebhookDeliveryState.PENDING)
        )
        deleted, _ = WebhookDelivery.objects.filter(pk__in=list(old.values_list("pk", flat=True))).delete()
    return deleted
