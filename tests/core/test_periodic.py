"""`make run` has no Celery worker or beat: `manage.py serve` runs the periodic jobs in a
thread of its own process, so holds expire and events are swept there too."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from apps.bookings.models import Booking, BookingStatus
from apps.core import clock
from apps.core.periodic import InProcessBeat
from tests.bookings.test_expiry import _hold
from tests.factories import FareClassFactory

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)


def _held_and_run_out() -> Booking:
    booking = _hold(FareClassFactory(capacity=3), 1)
    Booking.objects.filter(pk=booking.pk).update(hold_expires_at=clock.now() - timedelta(seconds=1))
    return booking


def _wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def test_in_process_beat_expires_holds_without_a_worker():
    booking = _held_and_run_out()
    beat = InProcessBeat(
        {"expire": {"task": "bookings.expire_holds", "schedule": 0.2}}, first_after=0, tick=0.05
    ).start()
    try:
        assert _wait_for(lambda: Booking.objects.get(pk=booking.pk).status == BookingStatus.EXPIRED, 20)
    finally:
        beat.stop()


def test_a_failing_job_does_not_stop_the_others():
    ran: list[str] = []

    def task_for(name: str):
        def run():
            ran.append(name)
            if name == "broken":
                raise RuntimeError("boom")

        return run

    beat = InProcessBeat(
        {
            "broken": {"task": "broken", "schedule": 0.05},
            "fine": {"task": "fine", "schedule": 0.05},
        },
        first_after=0,
        tick=0.01,
        task_for=task_for,
    ).start()
    try:
        assert _wait_for(lambda: ran.count("broken") >= 3 and ran.count("fine") >= 3, 20)
    finally:
        beat.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_make_run_server_expires_a_hold_with_nothing_else_running():
    booking = _held_and_run_out()
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{connection.settings_dict['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "flightbook.settings.dev",
        "DATABASE_URL": url,
        "REDIS_URL": "",  # as under `make run`: tasks in-process, no beat
    }
    server = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", "serve", f"127.0.0.1:{_free_port()}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert _wait_for(lambda: Booking.objects.get(pk=booking.pk).status == BookingStatus.EXPIRED, 60)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert "Periodic jobs run in this process" in output
