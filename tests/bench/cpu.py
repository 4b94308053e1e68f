"""Where the machine's CPU went during a scenario, read from /proc (Linux): the gunicorn
server, PostgreSQL serving the bench databases, Redis, and everything else, so a run
disturbed by other work on the machine says so."""

from __future__ import annotations

import os
import threading

_TICKS = os.sysconf("SC_CLK_TCK")


def _busy_seconds() -> float:
    """CPU seconds the whole machine spent not idle, since boot."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    busy = sum(values[:8]) - idle  # user nice system idle iowait irq softirq steal
    return busy / _TICKS


def snapshot(server_groups: set[int], databases: tuple[str, ...]) -> dict[str, float]:
    """CPU seconds so far: gunicorn (the process groups given, with the workers it has
    reaped), the PostgreSQL backends connected to `databases`, redis-server, the machine."""
    totals: dict = {"gunicorn": 0.0, "postgres": {}, "redis": 0.0, "machine": _busy_seconds()}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                data = stat.read()
            name = data[data.index("(") + 1 : data.rindex(")")]
            fields = data[data.rindex(")") + 2 :].split()
            group = int(fields[2])
            own = sum(int(value) for value in fields[11:13]) / _TICKS  # utime stime
            reaped = sum(int(value) for value in fields[13:15]) / _TICKS  # cutime cstime
            if group in server_groups:
                totals["gunicorn"] += own + reaped
            elif name.startswith("postgres"):
                with open(f"/proc/{entry.name}/cmdline", "rb") as cmdline:
                    title = cmdline.read().decode(errors="replace")
                if any(f" {database} " in title for database in databases):
                    totals["postgres"][entry.name] = own
            elif name.startswith("redis-server"):
                totals["redis"] += own
        except (OSError, ValueError, IndexError):
            continue  # the process ended while we read it
    return totals


class Sampler:
    """Snapshots at the start and the end, and in between every `interval` seconds the
    PostgreSQL backends, so the time of a backend that ends meanwhile (its gunicorn worker
    was recycled) is still counted, up to the last sample."""

    def __init__(self, server_groups: set[int], databases: tuple[str, ...], interval: float = 0.5) -> None:
        self.server_groups, self.databases, self.interval = server_groups, databases, interval
        self._stop = threading.Event()
        self._seen: dict[str, float] = {}
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.wait(self.interval):
            self._seen.update(snapshot(self.server_groups, self.databases)["postgres"])

    def __enter__(self) -> Sampler:
        self.before = snapshot(self.server_groups, self.databases)
        self._thread.start()
        return self

    def stop(self, *, client: float) -> dict[str, float]:
        """CPU seconds used since the start (see `used`)."""
        self._stop.set()
        self._thread.join()
        after = snapshot(self.server_groups, self.databases)
        after["postgres"] = {**self._seen, **after["postgres"]}
        return used(self.before, after, client=client)

    def __exit__(self, *exc) -> None:
        self._stop.set()


def used(before: dict, after: dict, *, client: float) -> dict[str, float]:
    """CPU seconds each consumer used between two snapshots; `other` is whatever else ran
    on the machine meanwhile (another test run, a build...). A PostgreSQL backend that
    ended in between loses its last moments."""
    seconds = {key: after[key] - before[key] for key in ("gunicorn", "redis", "machine")}
    seconds["postgres"] = sum(value - before["postgres"].get(pid, 0.0) for pid, value in after["postgres"].items())
    seconds["client"] = client
    ours = seconds["gunicorn"] + seconds["postgres"] + seconds["redis"] + client
    seconds["other"] = max(0.0, seconds.pop("machine") - ours)
    return {key: round(value, 3) for key, value in seconds.items()}


def shares(seconds_used: dict[str, float], *, elapsed: float) -> dict[str, float]:
    """The same as shares of the machine's capacity (cores x elapsed seconds)."""
    capacity = max(elapsed, 1e-9) * len(os.sched_getaffinity(0))
    return {key: round(value / capacity, 3) for key, value in seconds_used.items()}


def machine_busy(seconds: float = 2.0) -> float:
    """Share of the machine's capacity in use over the next `seconds` (before a run)."""
    import time

    before = _busy_seconds()
    time.sleep(seconds)
    return (_busy_seconds() - before) / (seconds * len(os.sched_getaffinity(0)))
