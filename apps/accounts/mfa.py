"""The second step of signing in: a user with a confirmed OTP device passes it before any
other page.

`MfaVerificationMiddleware` sits right after allauth's AccountMiddleware. A signed-in
user whose session is not yet verified by django-otp, and who has a confirmed device, is
sent to the verify page; on the API such a session counts as nobody (JWT and API keys
are not affected: they carry their own proof)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import user_has_device

# Reachable before the second step: the step itself, signing out, and what no page needs a user for.
_OPEN_PATHS = ("/healthz", "/readyz", "/metrics")


def safe_next_url(request: HttpRequest, candidate: str | None, default: str) -> str:
    """`candidate` when it points into this site, else `default`."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def url_with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}"


def session_needs_otp(request: HttpRequest) -> bool:
    """Signed in with a password (or a social account) but the second step is still due."""
    user = request.user
    return bool(user.is_authenticated and not user.is_verified() and user_has_device(user, confirmed=True))


class MfaVerificationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The open paths first: /healthz must not read the session (no I/O).
        if not self._exempt(request.path) and request.user.is_authenticated and session_needs_otp(request):
            if request.path.startswith("/api/"):
                request.user = AnonymousUser()
            else:
                return HttpResponseRedirect(url_with_next(reverse("accounts:mfa_verify"), request.get_full_path()))
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        return path.startswith(_exempt_paths())


@cache
def _exempt_paths() -> tuple[str, ...]:
    """Worked out once (URLs are fixed for the life of the process)."""
    return (
        reverse("accounts:mfa_verify"),
        reverse("account_logout"),
        "/" + settings.STATIC_URL.lstrip("/"),
        *_OPEN_PATHS,
    )
