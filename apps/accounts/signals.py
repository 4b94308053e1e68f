"""A new password revokes every API token, however it was set: allauth's change and reset
pages, the admin, `manage.py changepassword` or any `set_password` and save."""

from typing import Any

from allauth.account.signals import password_changed, password_reset
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from apps.accounts.models import User
from apps.accounts.services import user_api_tokens_revoke


@receiver(password_changed, dispatch_uid="accounts_tokens_revoke_on_password_change")
@receiver(password_reset, dispatch_uid="accounts_tokens_revoke_on_password_reset")
def _tokens_revoke_on_new_password(sender: type, user: Any, **kwargs: Any) -> None:
    user_api_tokens_revoke(user=user)


@receiver(pre_save, sender=User, dispatch_uid="accounts_password_change_noticed")
def _password_change_notice(sender: type, instance: User, **kwargs: Any) -> None:
    if instance.pk is None or kwargs.get("raw"):
        return
    stored = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._password_was_changed = stored is not None and stored != instance.password


@receiver(post_save, sender=User, dispatch_uid="accounts_tokens_revoke_on_any_new_password")
def _tokens_revoke_on_any_new_password(sender: type, instance: User, created: bool, **kwargs: Any) -> None:
    if getattr(instance, "_password_was_changed", False):
        instance._password_was_changed = False
        user_api_tokens_revoke(user=instance)
