from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    default = True

    def ready(self) -> None:
        from apps.accounts import signals  # noqa: F401  (connects the receivers)


class FlightbookAdminConfig(admin_apps.AdminConfig):
    """Django's admin, whose default site requires a verified OTP device (see admin_site.py)."""

    default = False
    default_site = "apps.accounts.admin_site.OTPAdminSite"
