"""A real Celery worker consuming from the real Redis broker."""

from __future__ import annotations

import pytest
from celery import shared_task
from django.db import transaction

from apps.core import outbox
from apps.core.logging import get_request_id, request_id_var
from apps.core.models import OutboxEvent
from tests.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

deliveries: list[dict] = []


@outbox.event_handler("test.worker_parcel")
def deliver_parcel(event: OutboxEvent) -> None:
    deliveries.append({"parcel": event.payload["parcel"], "request_id": get_request_id()})


@shared_task(name="tests.report_request_id")
def report_request_id(tag: str) -> None:
    deliveries.append({"tag": tag, "request_id": get_request_id()})


@pytest.fixture(autouse=True)
def _reset():
    deliveries.clear()


def test_outbox_event_is_dispatched_by_a_real_worker_after_commit(celery_worker):
    token = request_id_var.set("req-worker-1")
    try:
        with transaction.atomic():
            event = outbox.publish(topic="test.worker_parcel", payload={"parcel": "W1"})
    finally:
        request_id_var.reset(token)

    wait_for(lambda: deliveries)
    assert deliveries == [{"parcel": "W1", "request_id": "req-worker-1"}]
    assert wait_for(lambda: OutboxEvent.objects.get(pk=event.pk).dispatched_at)


def test_task_queued_during_a_request_logs_with_that_request_id(celery_worker):
    token = request_id_var.set("req-worker-2")
    try:
        report_request_id.delay("T1")
    finally:
        request_id_var.reset(token)

    wait_for(lambda: deliveries)
    assert deliveries == [{"tag": "T1", "request_id": "req-worker-2"}]
