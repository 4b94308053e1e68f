"""Account pages. Sign-in, sign-up, passwords and email addresses are allauth's (mounted
at /accounts/ too); `accounts:login` and `accounts:logout` name the same pages. The
two-factor pages are ours."""

from allauth.account import views as allauth_views
from django.urls import path

from apps.accounts import preference_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", allauth_views.login, name="login"),
    path("logout/", allauth_views.logout, name="logout"),
    path("mfa/", views.mfa_status, name="mfa_status"),
    path("mfa/verify/", views.mfa_verify, name="mfa_verify"),
    path("mfa/totp/", views.mfa_totp_enrol, name="mfa_totp_enrol"),
    path("mfa/totp/<int:device_id>/remove/", views.mfa_totp_remove, name="mfa_totp_remove"),
    path("mfa/backup-codes/", views.mfa_backup_codes, name="mfa_backup_codes"),
    path("notifications/", preference_views.message_preferences, name="message_preferences"),
    path(
        "notifications/unsubscribe/<str:token>/",
        preference_views.reminders_unsubscribe,
        name="reminders_unsubscribe",
    ),
]
