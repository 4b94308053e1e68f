"""The mail server of the fault tests: aiosmtpd, run as its own process by
`tests.faults.servers.SmtpServer` (`python -m aiosmtpd -c tests.faults.smtp.MailFolder <folder>`).

Each message it accepts is written to a file of its own in the folder before anything else
happens (it has arrived). While the file `HANG` is in the folder, the server then keeps the
sender waiting for its answer, like a server that accepted a message and got stuck."""

from __future__ import annotations

import asyncio
import email
import email.policy
import time
from argparse import ArgumentParser
from email.message import EmailMessage
from pathlib import Path

HANG = "HANG"


class MailFolder:
    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    @classmethod
    def from_cli(cls, parser: ArgumentParser, *args: str) -> MailFolder:
        if len(args) != 1:
            parser.error("MailFolder takes the folder to write messages to")
        return cls(args[0])

    async def handle_DATA(self, server, session, envelope) -> str:
        name = f"{time.time_ns()}.eml"
        partial = self.folder / f".{name}"
        partial.write_bytes(envelope.original_content or envelope.content)
        partial.rename(self.folder / name)  # whole, or not there at all
        while (self.folder / HANG).exists():
            await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"


def received(folder: Path) -> list[EmailMessage]:
    """The messages the server accepted so far, oldest first (headers unfolded)."""
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]
