"""Outbox handlers for the sweeper's time budget test, loaded by the worker it starts
(`celery worker --include tests.faults.handlers`). Each run is written down in
FAULTS_DIR, so the test sees which events ran, and how often, in another process."""

from __future__ import annotations

import os
import time
from pathlib import Path

from apps.core.models import OutboxEvent
from apps.core.outbox import event_handler

TOPIC = "faults.parcel"


def runs(folder: Path, name: str) -> list[str]:
    path = folder / name
    return path.read_text().split() if path.exists() else []


@event_handler(TOPIC)
def deliver_parcel(event: OutboxEvent) -> None:
    folder = Path(os.environ["FAULTS_DIR"])
    parcel = event.payload["parcel"]
    with (folder / "started").open("a") as started:
        started.write(parcel + "\n")
    if event.payload.get("slow") and (folder / "SLOW").exists():
        time.sleep(600)  # far past the dispatch task's time limit
    with (folder / "delivered").open("a") as delivered:
        delivered.write(parcel + "\n")
