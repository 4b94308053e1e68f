"""JWT access and refresh tokens for the API (simplejwt).

Our tokens carry `iat` to the microsecond (RFC 7519 allows a fractional NumericDate):
a password change sets `User.tokens_valid_after`, and a token issued in the same second
but just before it must be told apart from one issued just after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rest_framework_simplejwt.authentication import JWTAuthentication as BaseJWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed as SimpleJWTAuthenticationFailed
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.tokens import AccessToken as BaseAccessToken
from rest_framework_simplejwt.tokens import RefreshToken as BaseRefreshToken
from rest_framework_simplejwt.tokens import Token

from apps.accounts.errors import TokenInvalid, TokenRevoked
from apps.accounts.models import User


class _PreciseIssuedAt:
    payload: dict[str, Any]
    current_time: datetime

    def set_iat(self, claim: str = "iat", at_time: datetime | None = None) -> None:
        self.payload[claim] = (at_time or self.current_time).timestamp()


class AccessToken(_PreciseIssuedAt, BaseAccessToken):
    pass


class RefreshToken(_PreciseIssuedAt, BaseRefreshToken):
    access_token_class = AccessToken


def token_predates_revocation(*, token: Token, user: User) -> bool:
    """True when `token` was issued before the user's tokens were revoked (password change
    or reset)."""
    if user.tokens_valid_after is None:
        return False
    issued_at = token.get("iat")
    return issued_at is None or float(issued_at) < user.tokens_valid_after.timestamp()


class JWTAuthentication(BaseJWTAuthentication):
    """`Authorization: Bearer <access token>`; refuses tokens issued before the user's
    `tokens_valid_after`. Failures are problem+json `token_invalid` or `token_revoked`."""

    def get_validated_token(self, raw_token: bytes) -> Token:
        try:
            return super().get_validated_token(raw_token)
        except InvalidToken:
            raise TokenInvalid("The access token is invalid or expired.") from None

    def get_user(self, validated_token: Token) -> User:
        try:
            user = super().get_user(validated_token)
        except InvalidToken:
            raise TokenInvalid("The access token names no user.") from None
        except SimpleJWTAuthenticationFailed:
            raise TokenInvalid("The account of this access token is not active.") from None
        if token_predates_revocation(token=validated_token, user=user):
            raise TokenRevoked()
        return user
