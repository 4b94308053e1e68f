"""`/metrics` is for the scraper: loopback (METRICS_ALLOWED_IPS) or METRICS_TOKEN; and no
client can mint new series by inventing HTTP methods."""

from __future__ import annotations

import ipaddress

import pytest

SERIES = "flightbook_http_requests_total"


@pytest.fixture
def allowed(settings):
    def configure(*networks: str, token: str = "") -> None:
        settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network(n, strict=False) for n in networks]
        settings.METRICS_TOKEN = token

    return configure


def test_a_client_from_outside_the_allow_list_is_refused(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert SERIES.encode() not in response.content


def test_the_scraper_on_loopback_reads_the_metrics_by_default(client):
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert SERIES.encode() in response.content
    assert "no-store" in response["Cache-Control"]


def test_a_listed_network_reads_the_metrics(client, allowed):
    allowed("10.0.0.0/8")
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


def test_a_bearer_token_opens_the_metrics_from_anywhere_and_only_the_right_one(client, allowed):
    allowed(token="s3cret-scrape-token")
    outside = {"REMOTE_ADDR": "203.0.113.9"}

    refused = client.get("/metrics", **outside)
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **outside).status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token", **outside).status_code == 200


def test_a_forwarded_for_header_cannot_pass_for_loopback_behind_a_proxy(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    # The proxy (on loopback) appends the real client's address last.
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1, 203.0.113.9")
    assert response.status_code == 403


def test_invented_http_methods_are_counted_as_other(client):
    for method in ("ZZPROBE123", "ZZPROBE456"):
        client.generic(method, "/healthz")
    text = client.get("/metrics").content.decode()
    assert "ZZPROBE" not in text
    assert f'{SERIES}{{method="other",route="healthz",status="405"}}' in text
