"""Celery workers die or stall mid-task: a worker SIGKILLed while it sends a confirmation,
and a handler that never finishes. Nothing is lost, nothing is recorded twice, and one
slow event does not hold up or repeat the others."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.db import transaction

from apps.core import clock, outbox
from apps.core.models import OutboxEvent
from apps.notifications.models import Notification
from apps.notifications.services import notification_message_id
from tests.conftest import wait_for
from tests.faults import handlers
from tests.faults.journeys import book, pay
from tests.faults.smtp import HANG, received
from tests.faults.truth import assert_database_truth

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def test_worker_killed_after_the_email_left_records_the_confirmation_once(
    celery_on, start_worker, smtp_server, api_client
):
    worker = start_worker(FAULTS_SMTP_PORT=str(smtp_server.port))
    locator = book(api_client, email="grace@example.com", given_name="Grace", family_name="Hopper")
    held = OutboxEvent.objects.get(topic="booking.held", payload__locator=locator)
    wait_for(lambda: OutboxEvent.objects.get(pk=held.pk).dispatched_at, timeout=30)  # the hold's email is out
    (smtp_server.folder / HANG).touch()  # from now on the mail server accepts, then hangs before answering

    pay(api_client, locator)
    confirmation = OutboxEvent.objects.get(topic="booking.confirmed", payload__locator=locator)

    wait_for(lambda: len(received(smtp_server.folder)) == 2, timeout=30)  # the email has arrived...
    worker.kill()  # ...and the worker dies before recording it

    confirmation.refresh_from_db()
    assert confirmation.dispatched_at is None
    assert confirmation.lease_expires_at > clock.now()
    # Recorded before it was sent, and never marked sent.
    assert Notification.objects.get(event_id=confirmation.id, channel="email").status == "queued"
    # While its lease runs, the event is nobody else's: the sweeper leaves it alone.
    outbox.sweep(older_than=timedelta(0))
    assert len(received(smtp_server.folder)) == 2

    # Later: the lease has run out (moved here rather than waited for), a new worker runs the sweeper.
    OutboxEvent.objects.filter(pk=confirmation.pk).update(lease_expires_at=clock.now() - timedelta(seconds=1))
    (smtp_server.folder / HANG).unlink()
    start_worker(FAULTS_SMTP_PORT=str(smtp_server.port), OUTBOX_SWEEP_AFTER_SECONDS="0")
    celery_on.send_task("core.outbox_sweep")
    wait_for(lambda: OutboxEvent.objects.get(pk=confirmation.pk).dispatched_at, timeout=30)

    # The repeat after the crash is the same message, recognisable by its Message-ID; it is recorded once.
    messages = received(smtp_server.folder)[1:]  # after the hold's email
    assert len(messages) == 2
    assert all(locator in message["Subject"] for message in messages)
    expected = notification_message_id(
        event_id=confirmation.id, kind="booking_confirmed", recipient="grace@example.com"
    )
    assert [str(message["Message-ID"]).strip() for message in messages] == [expected, expected]
    assert Notification.objects.get(event_id=confirmation.id, channel="email").status == "sent"
    assert_database_truth()


def test_a_stalled_handler_uses_up_only_its_own_events_time(tmp_path, celery_on, start_worker):
    runs_dir = tmp_path / "runs"
    runs_dir.mkdir()
    (runs_dir / "SLOW").touch()
    # Three events the broker never got (it was down), due for the sweeper.
    long_ago = clock.now() - timedelta(minutes=5)
    with transaction.atomic():
        events = {
            parcel: OutboxEvent.objects.create(
                topic=handlers.TOPIC,
                payload={"parcel": parcel, "slow": parcel == "B"},
                created_at=long_ago + timedelta(seconds=index),
                available_at=long_ago + timedelta(seconds=index),
            )
            for index, parcel in enumerate(["A", "B", "C"])
        }
    worker = start_worker(include="tests.faults.handlers", FAULTS_DIR=str(runs_dir), OUTBOX_DISPATCH_TIME_LIMIT="3")

    celery_on.send_task("core.outbox_sweep")
    wait_for(lambda: OutboxEvent.objects.get(pk=events["C"].pk).dispatched_at, timeout=45)

    # B stalled and was stopped at its own limit; A and C were each delivered once.
    assert "Hard time limit (3s) exceeded" in Path(worker.log).read_text()
    assert sorted(handlers.runs(runs_dir, "started")) == ["A", "B", "C"]
    assert sorted(handlers.runs(runs_dir, "delivered")) == ["A", "C"]
    dispatched = {parcel: OutboxEvent.objects.get(pk=event.pk).dispatched_at for parcel, event in events.items()}
    assert dispatched["A"] is not None
    assert dispatched["C"] is not None
    assert dispatched["B"] is None
    # B keeps its lease: no sweep hands it to anyone before the lease runs out.
    assert outbox.sweep(older_than=timedelta(0)) == 0
    assert sorted(handlers.runs(runs_dir, "started")) == ["A", "B", "C"]
