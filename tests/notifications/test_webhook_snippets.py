"""The verification snippets of docs/webhooks.md, pasted as a partner would, verify a real
captured delivery: the Python one in a Python process, the Node one with `node`; and both
refuse the same delivery with one byte of the body changed."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.notifications.webhook_helpers import Receiver, key_client, partner_booking_confirmed, partner_with_key

pytestmark = pytest.mark.django_db(transaction=True)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
PYTHON_CHECK = """
import sys
from pathlib import Path
secret, header, body_path = sys.argv[1:4]
sys.exit(0 if verify_flightbook_signature(secret, header, Path(body_path).read_bytes()) else 1)
"""
NODE_CHECK = """
const [secret, header, bodyPath] = process.argv.slice(2);
process.exit(verifyFlightbookSignature(secret, header, require("fs").readFileSync(bodyPath)) ? 0 : 1);
"""


def _snippet(language: str) -> str:
    found = re.search(rf"<!-- snippet: {language} -->\n```\w+\n(.*?)```", DOCS.read_text(), re.DOTALL)
    assert found, f"docs/webhooks.md has no {language} snippet"
    return found.group(1)


@pytest.fixture
def captured(settings, tmp_path):
    """A real delivery as the receiver got it: (secret, signature header, raw body)."""
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    receiver = Receiver()
    try:
        _, api_key, raw = partner_with_key("Partner P")
        response = key_client(raw).post(
            "/api/v1/webhooks/", {"url": receiver.url, "events": ["booking.confirmed"]}, format="json"
        )
        partner_booking_confirmed(api_key)
        [request] = receiver.requests
    finally:
        receiver.close()
    return response.json()["secret"], request.headers["Flightbook-Signature"], request.body


def _run(language: str, tmp_path: Path, secret: str, header: str, body: bytes) -> int:
    body_path = tmp_path / "body.json"
    body_path.write_bytes(body)
    if language == "python":
        script = tmp_path / "verify.py"
        script.write_text(_snippet("python") + PYTHON_CHECK)
        command = [sys.executable, str(script)]
    else:
        script = tmp_path / "verify.js"
        script.write_text(_snippet("node") + NODE_CHECK)
        command = [shutil.which("node") or "node", str(script)]
    return subprocess.run([*command, secret, header, str(body_path)], timeout=30, check=False).returncode  # noqa: S603


@pytest.mark.parametrize("language", ["python", "node"])
def test_the_documented_snippet_verifies_a_real_delivery(language, captured, tmp_path):
    secret, header, body = captured
    assert _run(language, tmp_path, secret, header, body) == 0


@pytest.mark.parametrize("language", ["python", "node"])
def test_the_documented_snippet_refuses_a_changed_body_or_another_secret(language, captured, tmp_path):
    secret, header, body = captured
    assert _run(language, tmp_path, secret, header, body.replace(b'"confirmed"', b'"cancelled"', 1)) == 1
    assert _run(language, tmp_path, "whsec_someone-else", header, body) == 1
