"""One HTTP POST to a partner's endpoint, to the address `addresses.url_resolve` checked:
urllib3 connects to that IP while the Host header and TLS (SNI and the certificate's name)
use the URL's host. No redirect is followed and nothing is retried here (the delivery's
schedule retries); the answer's first bytes are kept for the delivery log."""

from __future__ import annotations

import time
from dataclasses import dataclass

import certifi
import urllib3

from apps.notifications.webhooks.addresses import Target, UrlRefused, url_resolve

TIMEOUT_SECONDS = 5.0
ANSWER_BYTES = 500


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: a status code (None when no answer came) and how long it took."""

    status_code: int | None
    response_ms: int | None
    response_body: str
    error: str

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _pool(target: Target) -> urllib3.HTTPConnectionPool:
    # One budget for connecting and the answer's headers; the body read is capped at ANSWER_BYTES.
    timeout = urllib3.Timeout(total=TIMEOUT_SECONDS)
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=timeout,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    return urllib3.HTTPConnectionPool(target.address, target.port, timeout=timeout, retries=False)


def webhook_post(*, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """POST `body` to `url` once; never raises for what the network or the receiver does."""
    try:
        target = url_resolve(url)
    except UrlRefused as refusal:
        return Outcome(status_code=None, response_ms=None, response_body="", error=str(refusal)[:300])
    started = time.monotonic()
    pool = _pool(target)
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Host": target.host_header},
            redirect=False,
            retries=False,
            assert_same_host=False,
            preload_content=False,
        )
        try:
            answer = response.read(ANSWER_BYTES, decode_content=False)[:ANSWER_BYTES]
        finally:
            response.release_conn()
        elapsed = round((time.monotonic() - started) * 1000)
        error = ""
        if 300 <= response.status < 400:
            error = f"Redirect to {response.headers.get('Location', '?')[:200]} not followed."
        elif not 200 <= response.status < 300:
            error = f"The endpoint answered {response.status}."
        return Outcome(
            status_code=response.status,
            response_ms=elapsed,
            response_body=answer.decode("utf-8", errors="replace"),
            error=error,
        )
    except urllib3.exceptions.HTTPError as failure:
        elapsed = round((time.monotonic() - started) * 1000)
        reason = getattr(failure, "reason", None) or failure
        return Outcome(
            status_code=None, response_ms=elapsed, response_body="", error=f"{type(reason).__name__}: {reason}"[:300]
        )
    finally:
        pool.close()
