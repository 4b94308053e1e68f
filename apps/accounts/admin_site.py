"""The admin requires a second factor: only staff whose session passed an OTP device may
enter. It has no sign-in form of its own: staff sign in through allauth (rate limits,
lockout), then enrol or verify their device, then come back.

Installed as the default admin site by `apps.accounts.apps.FlightbookAdminConfig`, so
every `admin.site.register` in the project lands here."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django_otp import user_has_device

from apps.accounts.mfa import safe_next_url, url_with_next


class OTPAdminSite(admin.AdminSite):
    site_header = "flightbook admin"
    site_title = "flightbook admin"

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and request.user.is_verified()

    @method_decorator(never_cache)
    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """Where the admin sends whoever may not enter yet: to sign in, to enrol an OTP
        device, or to verify one; a signed-in customer is refused."""
        next_url = safe_next_url(request, request.GET.get("next"), reverse("admin:index", current_app=self.name))
        user = request.user
        if not user.is_authenticated:
            return HttpResponseRedirect(url_with_next(reverse("accounts:login"), next_url))
        if not (user.is_active and user.is_staff):
            raise PermissionDenied("This account has no access to the admin.")
        if user.is_verified():
            return HttpResponseRedirect(next_url)
        if user_has_device(user, confirmed=True):
            return HttpResponseRedirect(url_with_next(reverse("accounts:mfa_verify"), next_url))
        return HttpResponseRedirect(url_with_next(reverse("accounts:mfa_totp_enrol"), next_url))

    def password_change(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # One password change page for everybody: it also revokes the API tokens.
        return HttpResponseRedirect(reverse("account_change_password"))
