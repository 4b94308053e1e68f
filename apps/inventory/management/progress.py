"""A plain progress bar for long management commands (no dependency, redraws one line)."""

from __future__ import annotations

import time
from typing import TextIO


class ProgressBar:
    WIDTH = 30

    def __init__(self, out: TextIO, *, total: int, label: str) -> None:
        self.out, self.total, self.label = out, max(total, 1), label
        self.done = self.items = 0
        self.started = time.monotonic()
        self.tty = getattr(out, "isatty", lambda: False)()

    def advance(self, items: int) -> None:
        self.done += 1
        self.items += items
        # On a terminal redraw in place; in a log, one line per tenth of the work.
        if self.tty or self.done == self.total or self.done % max(self.total // 10, 1) == 0:
            filled = self.WIDTH * self.done // self.total
            elapsed = time.monotonic() - self.started
            line = (
                f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {self.done}/{self.total} days, "
                f"{self.items:,} {self.label}, {elapsed:.0f}s"
            )
            self.out.write(line, ending="\r" if self.tty else "\n")
            self.out.flush()

    def finish(self) -> None:
        if self.tty:
            self.out.write("")
