"""`/accounts/notifications/`: reminders on or off per channel; and the one-click
unsubscribe link of reminder emails, which works without signing in."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from apps.accounts import preferences
from apps.accounts.models import MessageChannel

HELP = {
    MessageChannel.EMAIL: "Reminders by email (e.g. a hold about to end, check-in open).",
    MessageChannel.SMS: "Reminders by text message.",
    MessageChannel.IN_APP: "Reminders in your notifications on this site.",
}


class MessagePreferencesForm(forms.Form):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for channel, label in MessageChannel.choices:
            self.fields[channel] = forms.BooleanField(required=False, label=label, help_text=HELP[channel])


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def message_preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = MessagePreferencesForm(request.POST)
        if form.is_valid():
            preferences.message_preferences_update(user=request.user, reminders=form.cleaned_data)
            messages.success(request, "Your notification preferences are saved.")
            return redirect("accounts:message_preferences")
    else:
        form = MessagePreferencesForm(initial=preferences.reminders_by_channel(user=request.user))
    return render(request, "accounts/notifications.html", {"form": form})


@never_cache
@csrf_exempt  # the signed token is the credential; mail clients POST without a session (RFC 8058)
@require_http_methods(["GET", "POST"])
def reminders_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm (link scanners follow links); POST turns reminders off."""
    found = preferences.unsubscribe_token_read(token)
    if found is None:
        return render(request, "accounts/unsubscribe.html", {"invalid": True}, status=404)
    user, channel = found
    done = request.method == "POST"
    if done:
        preferences.message_preferences_update(user=user, reminders={channel: False})
    context = {"done": done, "channel": MessageChannel(channel).label, "token": token}
    return render(request, "accounts/unsubscribe.html", context)
