"""An email backend that behaves like an SMTP server which accepts a message and then is
slow to finish the conversation: the message is written to a file (it has left), then the
sender waits as long as the file `PAUSE` in the same folder says (seconds)."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend


class SlowFileBackend(EmailBackend):
    def send_messages(self, email_messages) -> int:
        sent = super().send_messages(email_messages)  # written and closed: it has left
        pause = Path(self.file_path) / "PAUSE"
        if pause.exists():
            time.sleep(float(pause.read_text()))
        return sent


def sent_messages(folder: Path) -> list[str]:
    """The raw messages written so far, oldest first."""
    return [path.read_text() for path in sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime_ns)]
