"""Expired refresh tokens are dropped by the daily job; live ones stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from apps.accounts.tasks import flush_expired_tokens
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_daily_job_drops_expired_refresh_tokens_only():
    user = UserFactory()
    now = timezone.now()
    OutstandingToken.objects.create(
        user=user, jti="old", token="t1", created_at=now - timedelta(days=9), expires_at=now - timedelta(days=2)
    )
    OutstandingToken.objects.create(
        user=user, jti="live", token="t2", created_at=now, expires_at=now + timedelta(days=7)
    )
    flush_expired_tokens.delay()
    assert list(OutstandingToken.objects.values_list("jti", flat=True)) == ["live"]
