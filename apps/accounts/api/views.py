"""`auth/token/`, `auth/token/refresh/`, `auth/logout/`: JWTs for people (partners use
API keys). The password check shares allauth's failed-login lockout with the sign-in page."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import selectors, services
from apps.accounts.api.serializers import RefreshInputSerializer, TokenObtainInputSerializer, TokenPairSerializer
from apps.accounts.errors import (
    EmailUnverified,
    InvalidCredentials,
    LoginLocked,
    MfaEnrolmentRequired,
    OtpInvalid,
    OtpRequired,
    OtpThrottled,
    TokenInvalid,
    TokenRevoked,
)
from apps.accounts.models import User
from apps.core.api.caching import PersonalDataApi
from apps.core.api.schema import answers


def _password_check(request: Request, *, email: str, password: str) -> User:
    """The active user with this email and password. Failures count towards allauth's
    `login_failed` limit (per address and per IP), as on the sign-in page; once it is
    reached even the right password is refused for a while."""
    django_request = request._request
    try:
        user = get_adapter(django_request).authenticate(django_request, email=email, password=password)
    except DjangoValidationError:
        raise LoginLocked(retry_after=selectors.login_lockout_seconds(django_request, email=email)) from None
    if user is None or not user.is_active:
        raise InvalidCredentials()
    return user


class TokenObtainApi(PersonalDataApi, APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Sign in: email and password (+ OTP) for an access and a refresh token",
        request=TokenObtainInputSerializer,
        responses={200: TokenPairSerializer},
        auth=[],
    )
    @answers(
        InvalidCredentials, OtpRequired, OtpInvalid, MfaEnrolmentRequired, EmailUnverified, LoginLocked, OtpThrottled
    )
    def post(self, request: Request) -> Response:
        payload = TokenObtainInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        user = _password_check(request, email=data["email"], password=data["password"])
        pair = services.api_tokens_issue(user=user, otp=data.get("otp") or None)
        return Response(TokenPairSerializer(pair).data)


class TokenRefreshApi(PersonalDataApi, APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Rotate: a refresh token for a new access and refresh token",
        description="Each refresh token works once; the old one is refused from then on.",
        request=RefreshInputSerializer,
        responses={200: TokenPairSerializer},
        auth=[],
    )
    @answers(TokenInvalid, TokenRevoked)
    def post(self, request: Request) -> Response:
        payload = RefreshInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        pair = services.api_tokens_refresh(refresh=payload.validated_data["refresh"])
        return Response(TokenPairSerializer(pair).data)


class LogoutApi(PersonalDataApi, APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Sign out: the refresh token stops working",
        request=RefreshInputSerializer,
        responses={204: OpenApiResponse(description="Signed out.")},
        auth=[],
    )
    @answers(TokenInvalid)
    def post(self, request: Request) -> Response:
        payload = RefreshInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.api_refresh_token_revoke(refresh=payload.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)
