"""The periodic jobs of the beat schedule, run in a thread of the current process.

`make run` has no Celery worker or beat: tasks run in-process, so without this nothing
would expire holds, sweep the outbox or reconcile payments while the development server
runs. Production runs `celery beat` instead (DESIGN.md §5); correctness never depends on
either, since expired holds and seats are ignored at read time."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)


def _celery_task(name: str) -> Callable[[], object]:
    from flightbook.celery import app

    app.loader.import_default_modules()
    task = app.tasks[name]
    return lambda: task.apply(throw=True).get()


class InProcessBeat:
    """Runs each job of `schedule` (Celery's beat schedule shape, intervals in seconds)
    every interval, in one daemon thread; the first run of each comes after `first_after`
    seconds. A failing job is logged and tried again at its next turn."""

    def __init__(
        self,
        schedule: dict[str, dict] | None = None,
        *,
        first_after: float = 5.0,
        tick: float = 1.0,
        task_for: Callable[[str], Callable[[], object]] = _celery_task,
    ) -> None:
        schedule = settings.CELERY_BEAT_SCHEDULE if schedule is None else schedule
        self.jobs = {name: (entry["task"], float(entry["schedule"])) for name, entry in schedule.items()}
        self.first_after = first_after
        self.tick = tick
        self.task_for = task_for
        self.runs: dict[str, int] = dict.fromkeys(self.jobs, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="in-process-beat", daemon=True)

    def start(self) -> InProcessBeat:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        started = time.monotonic()
        due = dict.fromkeys(self.jobs, started + self.first_after)
        while not self._stop.is_set():
            now = time.monotonic()
            for name, (task_name, interval) in self.jobs.items():
                if now < due[name] or self._stop.is_set():
                    continue
                due[name] = now + interval
                try:
                    self.task_for(task_name)()
                except Exception:
                    logger.exception("periodic job %s failed; it runs again in %.0f s", name, interval)
                finally:
                    self.runs[name] += 1
                    # The thread's own connections: closed so it never holds a lock
                    # (SQLite's database lock above all) between runs.
                    connections.close_all()
            self._stop.wait(self.tick)
