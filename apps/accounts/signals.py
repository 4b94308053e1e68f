"""allauth's account events that concern the API: a new password revokes every token."""

from typing import Any

from allauth.account.signals import password_changed, password_reset
from django.dispatch import receiver

from apps.accounts.services import user_api_tokens_revoke


@receiver(password_changed, dispatch_uid="accounts_tokens_revoke_on_password_change")
@receiver(password_reset, dispatch_uid="accounts_tokens_revoke_on_password_reset")
def _tokens_revoke_on_new_password(sender: type, user: Any, **kwargs: Any) -> None:
    user_api_tokens_revoke(user=user)
