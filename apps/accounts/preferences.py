"""A customer's message preferences: reminders on or off per channel, changed in the
account pages, through `PATCH me/`, or by the one-click unsubscribe link of a reminder
email (signed, so it works without signing in)."""

from __future__ import annotations

from django.core import signing
from django.db import transaction

from apps.accounts.models import MessageChannel, MessagePreference, User
from apps.core import clock

UNSUBSCRIBE_SALT = "flightbook.reminders-unsubscribe"


def reminders_by_channel(*, user: User) -> dict[str, bool]:
    """`{channel: reminders on?}` for every channel (on unless turned off)."""
    stored = dict(MessagePreference.objects.filter(user=user).values_list("channel", "reminders"))
    return {channel: stored.get(channel, True) for channel in MessageChannel.values}


def reminders_wanted(*, user: User | None, channel: str) -> bool:
    """Whether `user` wants reminders on `channel`; a guest (no account) gets them."""
    if user is None:
        return True
    return not MessagePreference.objects.filter(user=user, channel=channel, reminders=False).exists()


def message_preferences_update(*, user: User, reminders: dict[str, bool]) -> dict[str, bool]:
    """Turn reminders on or off for the channels named in `reminders`; returns them all."""
    unknown = set(reminders) - set(MessageChannel.values)
    if unknown:
        raise ValueError(f"unknown channels: {sorted(unknown)}")
    with transaction.atomic(durable=True):
        for channel, wanted in reminders.items():
            MessagePreference.objects.update_or_create(
                user=user, channel=channel, defaults={"reminders": bool(wanted), "updated_at": clock.now()}
            )
    return reminders_by_channel(user=user)


def unsubscribe_token(*, user: User, channel: str) -> str:
    """A token that turns reminders off on `channel` for `user`, for a link in a reminder."""
    return signing.dumps({"u": user.pk, "c": channel}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_token_read(token: str) -> tuple[User, str] | None:
    """The user and channel a token names, or None if it is forged or the user is gone."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None or data.get("c") not in MessageChannel.values:
        return None
    return user, data["c"]
