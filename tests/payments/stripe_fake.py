"""A stand-in for api.stripe.com on loopback, so the Stripe provider is tested through the
real SDK and real HTTP. A test scripts the answers per (method, path); the server records
every request it receives so the test can check what the SDK sent.

    stripe_api.respond("POST", "/v1/payment_intents", load_fixture("payment_intent_succeeded.json"))
    provider.charge(...)
    sent = stripe_api.requests[-1]
    assert sent.form["amount"] == "45990" and sent.idempotency_key == "..."

The answers are Stripe's own example objects (see fixtures/stripe/README.md)."""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import socket
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

FIXTURES = Path(__file__).parent / "fixtures" / "stripe"


def load_fixture(name: str) -> dict[str, Any]:
    """A recorded Stripe response from `fixtures/stripe/` (a fresh copy: edit it freely)."""
    if not name.endswith(".json"):
        name += ".json"
    return json.loads((FIXTURES / name).read_text())


def sign_webhook(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header Stripe sends with `payload`: `t=<unix time>,v1=<hex
    HMAC-SHA256 of "<t>.<payload>" keyed with the endpoint's signing secret>`."""
    signed_at = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{signed_at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={signed_at},v1={digest}"


def stripe_event(type: str, obj: dict[str, Any], *, event_id: str, created: int) -> bytes:
    """A webhook body as Stripe delivers it: the recorded event with `type`, `id`,
    `created` and `data.object` replaced."""
    event = load_fixture("event.json")
    event.update(id=event_id, type=type, created=created)
    event["data"] = {"object": copy.deepcopy(obj)}
    return json.dumps(event).encode()


def refused_url() -> str:
    """A loopback URL where nothing listens: connecting is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it. `form` and `query` are the form-decoded
    pairs with Stripe's bracket keys as sent (`metadata[locator]`, `created[gte]`);
    header names are lower-case."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def idempotency_key(self) -> str | None:
        return self.header("Idempotency-Key")

    @property
    def authorization(self) -> str | None:
        return self.header("Authorization")


@dataclass(frozen=True)
class ScriptedResponse:
    status: int
    body: dict[str, Any] | str | bytes
    headers: dict[str, str] = field(default_factory=dict)


class FakeStripe:
    """The server. `url` is its base (give it to STRIPE_API_BASE); `respond()` queues
    answers; `requests` lists what arrived, in order; `unexpected` lists the requests
    nothing was scripted for (they get a 404 in Stripe's error shape)."""

    def __init__(self) -> None:
        self._scripts: dict[tuple[str, str], deque[ScriptedResponse]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._request_ids = itertools.count(1)
        self.requests: list[RecordedRequest] = []
        self.unexpected: list[RecordedRequest] = []
        self._server = _Server(self)
        # A short poll interval: `stop()` waits for the serving loop to notice.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-stripe", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeStripe:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def respond(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | str | bytes,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` requests to `method path` (no query string) with this."""
        with self._lock:
            for _ in range(times):
                self._scripts[(method.upper(), path)].append(ScriptedResponse(status, body, dict(headers or {})))

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method.upper() and r.path == path]

    def pending(self) -> list[tuple[str, str]]:
        """Scripted answers nobody asked for yet, as (method, path)."""
        with self._lock:
            return [key for key, queue in self._scripts.items() for _ in queue]

    def _answer(self, request: RecordedRequest) -> ScriptedResponse:
        with self._lock:
            self.requests.append(request)
            queue = self._scripts.get((request.method, request.path))
            if queue:
                return queue.popleft()
            self.unexpected.append(request)
        message = f"fake Stripe: nothing scripted for {request.method} {request.path}"
        return ScriptedResponse(404, {"error": {"message": message, "type": "invalid_request_error"}})

    def _next_request_id(self) -> str:
        return f"req_fake{next(self._request_ids):06d}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeStripe) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    server_version = "stripe"
    sys_version = ""

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the test reads `requests` instead

    def _serve(self) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        request = RecordedRequest(
            method=self.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            form=dict(parse_qsl(raw, keep_blank_values=True)),
            headers={name.lower(): value for name, value in self.headers.items()},
        )
        answer = fake._answer(request)
        if isinstance(answer.body, bytes):
            payload = answer.body
        elif isinstance(answer.body, str):
            payload = answer.body.encode()
        else:
            payload = json.dumps(answer.body).encode()
        headers = {"Content-Type": "application/json", "Request-Id": fake._next_request_id()}
        if request.idempotency_key:
            headers["Idempotency-Key"] = request.idempotency_key
        headers.update(answer.headers)
        self.send_response(answer.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
