"""Two-factor pages (django-otp): status, authenticator app enrolment, backup codes,
removal, and the verify step after signing in. allauth serves every other account page."""

from __future__ import annotations

from base64 import b32encode
from binascii import unhexlify

import django_otp
import qrcode
import qrcode.image.svg
from allauth.core.internal import ratelimit as allauth_ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from apps.accounts import services
from apps.accounts.forms import OtpCodeForm
from apps.accounts.mfa import safe_next_url, session_needs_otp
from apps.core.errors import DomainError

# The secret being enrolled lives in the session until the app proves it holds it.
SESSION_TOTP_KEY = "accounts_mfa_totp_key"
TOTP_KEY_BYTES = 20


def _next_url(request: HttpRequest) -> str:
    return safe_next_url(request, request.POST.get("next") or request.GET.get("next"), reverse("accounts:mfa_status"))


def _backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@never_cache
@login_required
@require_http_methods(["GET"])
def mfa_status(request: HttpRequest) -> HttpResponse:
    devices = TOTPDevice.objects.devices_for_user(request.user, confirmed=True).order_by("pk")
    return render(
        request,
        "accounts/mfa/status.html",
        {
            "devices": devices,
            "backup_codes_left": _backup_codes_left(request.user),
            "required": services.user_requires_mfa(request.user),
        },
    )


def _qr_code_svg(data: str) -> str:
    """An inline SVG (no image library, no inline style: the CSP allows neither)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return image.to_string(encoding="unicode")


def _secret_text(key_hex: str) -> str:
    """The secret as authenticator apps take it when typed: base32, in groups of four."""
    secret = b32encode(unhexlify(key_hex)).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def mfa_totp_enrol(request: HttpRequest) -> HttpResponse:
    key = request.session.get(SESSION_TOTP_KEY)
    if not key:
        key = request.session[SESSION_TOTP_KEY] = random_hex(TOTP_KEY_BYTES)
    next_url = _next_url(request)
    form = OtpCodeForm(request.POST or None, label="Code from the app", numeric=True)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.totp_device_create(user=request.user, key=key, token=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", exc.detail)
        else:
            del request.session[SESSION_TOTP_KEY]
            django_otp.login(request, device)
            messages.success(request, "Two-factor authentication is on.")
            if _backup_codes_left(request.user):
                return HttpResponseRedirect(next_url)
            codes = services.backup_codes_generate(user=request.user)
            return render(request, "accounts/mfa/backup_codes_new.html", {"codes": codes, "next_url": next_url})
    config_url = TOTPDevice(user=request.user, key=key).config_url
    qr_code = mark_safe(_qr_code_svg(config_url))  # noqa: S308  (markup made by qrcode from our own URL)
    return render(
        request,
        "accounts/mfa/totp_enrol.html",
        {"form": form, "qr_code": qr_code, "secret": _secret_text(key), "next": next_url},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def mfa_backup_codes(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            codes = services.backup_codes_generate(user=request.user)
        except DomainError as exc:
            messages.error(request, exc.detail)
            return HttpResponseRedirect(reverse("accounts:mfa_totp_enrol"))
        return render(
            request, "accounts/mfa/backup_codes_new.html", {"codes": codes, "next_url": reverse("accounts:mfa_status")}
        )
    return render(
        request,
        "accounts/mfa/backup_codes.html",
        {
            "backup_codes_left": _backup_codes_left(request.user),
            "has_app": TOTPDevice.objects.devices_for_user(request.user, confirmed=True).exists(),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def mfa_totp_remove(request: HttpRequest, device_id: int) -> HttpResponse:
    device = TOTPDevice.objects.devices_for_user(request.user, confirmed=True).filter(pk=device_id).first()
    if device is None:
        raise Http404("No such authenticator app.")
    form = OtpCodeForm(request.POST or None, label="A current code (or a backup code)")
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_device_remove(user=request.user, device_id=device.pk, token=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", exc.detail)
        else:
            messages.success(request, f"“{device.name}” was removed.")
            return HttpResponseRedirect(reverse("accounts:mfa_status"))
    return render(request, "accounts/mfa/totp_remove.html", {"form": form, "device": device})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """The second step after signing in, for users with a confirmed device."""
    next_url = safe_next_url(
        request, request.POST.get("next") or request.GET.get("next"), resolve_url(settings.LOGIN_REDIRECT_URL)
    )
    if not session_needs_otp(request):
        return HttpResponseRedirect(next_url)
    form = OtpCodeForm(request.POST or None, label="Code from your authenticator app, or a backup code")
    if request.method == "POST" and form.is_valid():
        try:
            device = services.otp_device_verify(user=request.user, token=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", exc.detail)
        else:
            # A more powerful session deserves a new key.
            request.session.cycle_key()
            django_otp.login(request, device)
            if isinstance(device, StaticDevice):
                left = _backup_codes_left(request.user)
                messages.warning(request, f"You used a backup code; {left} left.")
            return HttpResponseRedirect(next_url)
    return render(request, "accounts/mfa/verify.html", {"form": form, "next": next_url})


def too_many_requests(request: HttpRequest) -> HttpResponse:
    """allauth's rate limits (sign-in, sign-up, password reset) refuse with this page.
    `Retry-After` is the longest window among those limits: allauth does not say which
    one was full, and a client told to wait too little would only be refused again."""
    seconds = max(
        (
            rate.duration
            for action in settings.ACCOUNT_RATE_LIMITS
            for rate in allauth_ratelimit.get_rates(app="allauth.account", action=action)
        ),
        default=60,
    )
    response = render(request, "429.html", {"seconds": int(seconds)}, status=429)
    response["Retry-After"] = str(int(seconds))
    return response
