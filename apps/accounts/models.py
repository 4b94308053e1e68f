from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from apps.core.api.throttles import partner_scope_names, rate_check


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class Partner(models.Model):
    """A travel agency (or any business) that books through the API with its own keys and
    whose agents serve its customers."""

    name = models.CharField(max_length=120, unique=True)
    contact_email = models.EmailField()
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    rate_limits = models.JSONField(
        default=dict,
        blank=True,
        help_text=(
            "The partner's plan: API throttle rates for its keys and agents, by scope "
            '(e.g. {"user_burst": "600/minute"}); a scope not named keeps the global rate'
        ),
    )

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.rate_limits, dict):
            raise ValidationError({"rate_limits": "Give the rates as an object of scope names and rates."})
        unknown = sorted(set(self.rate_limits) - set(partner_scope_names()))
        if unknown:
            allowed = ", ".join(partner_scope_names())
            message = f"A partner's plan may set only {allowed}, not {', '.join(unknown)}."
            raise ValidationError({"rate_limits": message})
        for rate in self.rate_limits.values():
            try:
                rate_check(rate if isinstance(rate, str) else "")
            except ValidationError as error:
                raise ValidationError({"rate_limits": error.messages}) from None


class User(AbstractUser):
    """A person who signs in with their email address (there is no username)."""

    username = None
    email = models.EmailField("email address", unique=True)
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="agents", help_text="Agents only"
    )
    tokens_valid_after = models.DateTimeField(
        null=True,
        blank=True,
        help_text=(
            "API tokens issued before this are refused (set by a password change or erasure; "
            "signing out revokes only the refresh token)"
        ),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email


class ApiKeyScope(models.TextChoices):
    READ = "read", "Read bookings"
    BOOK = "book", "Book, choose seats, cancel"
    PAY = "pay", "Pay"
    WEBHOOKS = "webhooks", "Manage webhook endpoints"


class ApiKey(models.Model):
    """A partner's API key: shown once at creation, stored as a SHA-256 hash with a visible
    prefix to find it by; scoped, revocable, with its last use."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list, help_text="Any of read, book, pay, webhooks")
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.partner}, {self.name})"


class MessageChannel(models.TextChoices):
    """The ways flightbook tells a customer something (apps/notifications sends on them)."""

    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    IN_APP = "in_app", "In the app"


class MessagePreference(models.Model):
    """Whether a customer wants reminders (non-essential messages) on a channel. No row
    means yes; essential messages (tickets, refunds, disruptions) ignore this."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="message_preferences")
    channel = models.CharField(max_length=10, choices=MessageChannel.choices)
    reminders = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "channel"], name="message_preference_once_per_channel")]

    def __str__(self) -> str:
        return f"{self.user} {self.channel}: reminders {'on' if self.reminders else 'off'}"
