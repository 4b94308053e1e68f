"""A new password ends every API token, however it was set: allauth's change and reset
pages, the admin, `manage.py changepassword` — all go through `set_password` and `save`."""

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from apps.accounts.models import User
from apps.accounts.services import user_api_tokens_revoke


@receiver(post_save, sender=User, dispatch_uid="accounts_tokens_revoke_on_new_password")
def _tokens_revoke_on_new_password(sender: type, instance: User, created: bool, **kwargs: Any) -> None:
    # `set_password` keeps the raw password in `_password` until the save has finished.
    if not created and getattr(instance, "_password", None) is not None:
        user_api_tokens_revoke(user=instance)
