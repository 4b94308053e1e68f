"""Security headers on pages and the API: CSP, no framing, no sniffing, a referrer policy,
cookies out of scripts' reach, and CORS closed unless origins are configured."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self' https://js.stripe.com" in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_the_api_docs_may_use_inline_styles_but_no_inline_scripts(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy
    assert "script-src 'self' https://js.stripe.com;" in policy + ";"
    assert "<script>" not in response.content.decode()  # the split view serves its script from a URL


def test_session_and_csrf_cookies_are_http_only_and_same_site(rf):
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.http import HttpResponse
    from django.middleware.csrf import CsrfViewMiddleware, get_token

    request = rf.get("/")
    SessionMiddleware(lambda r: None).process_request(request)
    request.session["anything"] = 1
    get_token(request)
    response = CsrfViewMiddleware(lambda r: HttpResponse()).process_response(request, HttpResponse())
    response = SessionMiddleware(lambda r: response).process_response(request, response)

    for name in ("sessionid", "csrftoken"):
        cookie = response.cookies[name]
        assert cookie["httponly"], name
        assert cookie["samesite"] == "Lax", name


def test_cors_is_closed_by_default():
    response = Client().get("/api/v1/airports/?q=lon", HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


def test_cors_opens_to_configured_origins_only(settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://agency.example"]
    allowed = Client().get("/api/v1/airports/?q=lon", HTTP_ORIGIN="https://agency.example")
    other = Client().get("/api/v1/airports/?q=lon", HTTP_ORIGIN="https://evil.example")
    assert allowed["Access-Control-Allow-Origin"] == "https://agency.example"
    assert "Access-Control-Allow-Origin" not in other
