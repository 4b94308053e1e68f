"""`/api/v1/me/`: the signed-in person's own account — profile, GDPR export, erasure."""

from __future__ import annotations

from django.contrib.auth import logout
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import privacy
from apps.accounts.models import User
from apps.accounts.privacy import ErasureBlocked
from apps.core.api.caching import PersonalDataApi
from apps.core.api.schema import answers


class IsPerson(BasePermission):
    """A signed-in person (session or JWT); a partner's API key has no "me"."""

    message = "This endpoint is for a person's own account; API keys have none."

    def api_keys_accepted(self, view, method: str) -> bool:
        return False

    def has_permission(self, request: Request, view) -> bool:
        return isinstance(request.user, User) and request.user.is_authenticated


class PartnerSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ProfileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    given_name = serializers.CharField(source="first_name")
    family_name = serializers.CharField(source="last_name")
    date_joined = serializers.DateTimeField()
    partner = PartnerSummarySerializer(allow_null=True)


class ErasureInputSerializer(serializers.Serializer):
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class MeApi(PersonalDataApi, APIView):
    """`GET`: your profile. `DELETE`: erase your personal data (asks for your password);
    refused with 409 `erasure_blocked` while a booking is held or a trip is not yet flown."""

    permission_classes = [IsPerson]

    @extend_schema(responses=ProfileSerializer)
    def get(self, request: Request) -> Response:
        return Response(ProfileSerializer(request.user).data)

    @extend_schema(
        request=ErasureInputSerializer,
        responses={204: OpenApiResponse(description="Erased: the account is closed and its tokens revoked")},
    )
    @answers(ErasureBlocked)  # its `errors.locators` lists the bookings in the way
    def delete(self, request: Request) -> Response:
        payload = ErasureInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        privacy.erasure_password_check(user=request.user, password=payload.validated_data["password"])
        privacy.personal_data_erase(user=request.user, actor=request.user)
        logout(request._request)  # a browser session ends with the account
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeExportApi(PersonalDataApi, APIView):
    """All the personal data we hold about you, as JSON (GDPR access and portability)."""

    permission_classes = [IsPerson]

    @extend_schema(responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="The export, as JSON")})
    def get(self, request: Request) -> Response:
        return Response(privacy.personal_data_export(user=request.user, actor=request.user))
