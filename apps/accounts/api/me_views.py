"""`/api/v1/me/`: the signed-in person's own account — profile, GDPR export, erasure."""

from __future__ import annotations

from django.contrib.auth import logout
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import preferences, privacy
from apps.accounts.permissions import IsPerson
from apps.accounts.privacy import ErasureBlocked
from apps.core.api.caching import PersonalDataApi
from apps.core.api.fields import StrictBooleanField
from apps.core.api.schema import answers


class PartnerSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RemindersSerializer(serializers.Serializer):
    email = StrictBooleanField(required=False, help_text="Reminders by email")
    sms = StrictBooleanField(required=False, help_text="Reminders by SMS")
    in_app = StrictBooleanField(required=False, help_text="Reminders in the app's notifications")


class NotificationPreferencesSerializer(serializers.Serializer):
    """Which non-essential messages (reminders) you get, per channel. Essential ones
    (e-tickets, changes, disruptions, refunds) always go out."""

    reminders = RemindersSerializer()

    def to_representation(self, instance):
        return {"reminders": preferences.reminders_by_channel(user=instance)}


class ProfileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    given_name = serializers.CharField(source="first_name")
    family_name = serializers.CharField(source="last_name")
    date_joined = serializers.DateTimeField()
    partner = PartnerSummarySerializer(allow_null=True)
    notification_preferences = NotificationPreferencesSerializer(source="*", read_only=True)


class ProfileUpdateInputSerializer(serializers.Serializer):
    notification_preferences = NotificationPreferencesSerializer(
        required=False, help_text="Channels left out keep their setting."
    )


class ErasureInputSerializer(serializers.Serializer):
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class MeApi(PersonalDataApi, APIView):
    """`GET`: your profile. `PATCH`: change your notification preferences. `DELETE`: erase
    your personal data (asks for your password); refused with 409 `erasure_blocked` while
    a booking is held or a trip is not yet flown."""

    permission_classes = [IsPerson]

    @extend_schema(responses=ProfileSerializer)
    def get(self, request: Request) -> Response:
        return Response(ProfileSerializer(request.user).data)

    @extend_schema(request=ProfileUpdateInputSerializer, responses=ProfileSerializer)
    def patch(self, request: Request) -> Response:
        payload = ProfileUpdateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        wanted = payload.validated_data.get("notification_preferences", {}).get("reminders", {})
        if wanted:
            preferences.message_preferences_update(user=request.user, reminders=wanted)
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
