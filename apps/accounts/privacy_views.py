"""`/accounts/privacy/`: download my data, delete my account (docs/privacy.md)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts import privacy
from apps.core.errors import DomainError


class AccountEraseForm(forms.Form):
    password = forms.CharField(
        label="Your password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


def _page(request: HttpRequest, form: AccountEraseForm, *, status: int = 200) -> HttpResponse:
    context = {"form": form, "blockers": privacy.erasure_blockers(request.user)}
    return render(request, "accounts/privacy.html", context, status=status)


@never_cache
@login_required
@require_GET
def privacy_page(request: HttpRequest) -> HttpResponse:
    return _page(request, AccountEraseForm())


@never_cache
@login_required
@require_GET
def privacy_export(request: HttpRequest) -> HttpResponse:
    data = privacy.personal_data_export(user=request.user, actor=request.user)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="flightbook-personal-data-{request.user.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_http_methods(["POST"])
def privacy_erase(request: HttpRequest) -> HttpResponse:
    form = AccountEraseForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        privacy.erasure_password_check(user=request.user, password=form.cleaned_data["password"])
        privacy.personal_data_erase(user=request.user, actor=request.user)
    except privacy.ErasureBlocked as error:
        messages.error(request, error.detail)
        return _page(request, AccountEraseForm(), status=409)
    except DomainError as error:  # the password was not right
        form.add_error("password", error.detail)
        return _page(request, form, status=400)
    logout(request)
    messages.success(request, "Your account is deleted and your personal data erased. Thank you for flying with us.")
    return redirect("flights:home")
