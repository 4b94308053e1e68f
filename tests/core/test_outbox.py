"""The outbox: events ride in the caller's transaction, reach their handlers after commit,
survive a broker outage through the sweeper, and never reach a handler twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from apps.core import outbox
from apps.core.models import OutboxEvent

received: list[tuple[str, str]] = []
failures_left = {"count": 0}


@outbox.event_handler("test.parcel_shipped")
def record_parcel(event: OutboxEvent) -> None:
    received.append(("record_parcel", event.payload["parcel"]))


@outbox.event_handler("test.flaky")
def flaky_handler(event: OutboxEvent) -> None:
    if failures_left["count"] > 0:
        failures_left["count"] -= 1
        raise ConnectionError("mail server down")
    received.append(("flaky_handler", event.payload["parcel"]))


@outbox.event_handler("test.flaky")
def steady_handler(event: OutboxEvent) -> None:
    received.append(("steady_handler", event.payload["parcel"]))


@pytest.fixture(autouse=True)
def _reset_received():
    received.clear()
    failures_left["count"] = 0


pytestmark = pytest.mark.django_db(transaction=True)


def test_event_reaches_its_handler_once_after_commit():
    with transaction.atomic():
        event = outbox.publish(topic="test.parcel_shipped", payload={"parcel": "P1"})
        assert received == []  # nothing leaves before the commit
    assert received == [("record_parcel", "P1")]
    event.refresh_from_db()
    assert event.dispatched_at is not None


def test_rolled_back_transaction_sends_nothing():
    def book_then_fail() -> None:
        with transaction.atomic():
            outbox.publish(topic="test.parcel_shipped", payload={"parcel": "P2"})
            raise RuntimeError("the booking failed")

    with pytest.raises(RuntimeError):
        book_then_fail()
    assert OutboxEvent.objects.count() == 0
    assert outbox.sweep(older_than=timedelta(0)) == 0
    assert received == []


def test_event_written_while_broker_is_down_is_delivered_later_by_the_sweeper(broker_down, caplog):
    with transaction.atomic():
        event = outbox.publish(topic="test.parcel_shipped", payload={"parcel": "P3"})
    # The commit went through although the broker refused the dispatch task.
    assert OutboxEvent.objects.filter(pk=event.pk, dispatched_at__isnull=True).exists()
    assert received == []
    assert "the sweeper will deliver it" in caplog.text

    # A sweep while the broker is still down queues nothing and leaves the event due.
    assert outbox.sweep(older_than=timedelta(0)) == 0
    assert received == []

    # The broker is back, with a worker (in-process here): the next sweep delivers it,
    # and a second sweep finds nothing to do.
    broker_down.conf.task_always_eager = True
    assert outbox.sweep(older_than=timedelta(0)) == 1
    assert received == [("record_parcel", "P3")]
    assert outbox.sweep(older_than=timedelta(0)) == 0
    assert received == [("record_parcel", "P3")]


def test_sweeper_leaves_fresh_events_to_the_normal_dispatch(broker_down):
    with transaction.atomic():
        outbox.publish(topic="test.parcel_shipped", payload={"parcel": "P4"})
    assert outbox.sweep(older_than=timedelta(seconds=30)) == 0
    assert received == []


def test_replayed_dispatch_does_not_run_a_handler_twice():
    with transaction.atomic():
        event = outbox.publish(topic="test.parcel_shipped", payload={"parcel": "P5"})
    OutboxEvent.objects.filter(pk=event.pk).update(dispatched_at=None)  # as if the worker died before recording
    outbox.dispatch(event_id=str(event.pk))
    assert received == [("record_parcel", "P5")]


def test_failed_handler_is_retried_later_without_rerunning_the_ones_that_succeeded():
    failures_left["count"] = 1
    with transaction.atomic():
        event = outbox.publish(topic="test.flaky", payload={"parcel": "P6"})
    event.refresh_from_db()
    assert event.dispatched_at is None
    assert "mail server down" in event.last_error
    assert event.available_at > event.created_at  # backed off before the next try
    assert received == [("steady_handler", "P6")]

    OutboxEvent.objects.filter(pk=event.pk).update(available_at=event.created_at)  # the backoff has passed
    assert outbox.sweep(older_than=timedelta(0)) == 1
    assert received == [("steady_handler", "P6"), ("flaky_handler", "P6")]


def test_publishing_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        outbox.publish(topic="test.parcel_shipped", payload={"parcel": "P7"})
