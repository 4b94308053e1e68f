"""`/api/v1/notifications/`: the signed-in customer's in-app notifications (the bell)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import IsPerson
from apps.core.api.caching import PersonalDataApi
from apps.core.api.pagination import PageNumberPagination
from apps.core.api.schema import NOT_FOUND, answers
from apps.notifications import selectors, services
from apps.notifications.api.serializers import NotificationSerializer
from apps.notifications.models import Notification


class NotificationPagination(PageNumberPagination):
    """The usual page, plus `unread_count`: the user's unread notifications (all pages)."""

    unread_count = 0

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["unread_count"] = self.unread_count
        return response

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["unread_count"] = {
            "type": "integer",
            "minimum": 0,
            "description": "How many of your notifications are unread, on every page.",
        }
        paginated["required"] = [*paginated.get("required", []), "unread_count"]
        return paginated


class NotificationListApi(PersonalDataApi, ListAPIView):
    """Your notifications, newest first, with how many are unread. Partners' API keys
    have none (403)."""

    serializer_class = NotificationSerializer
    permission_classes = [IsPerson]
    pagination_class = NotificationPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Notification.objects.none()
        return selectors.notifications_in_app(user=self.request.user)

    def list(self, request: Request, *args, **kwargs) -> Response:
        self.paginator.unread_count = selectors.notifications_unread_count(user=request.user)
        return super().list(request, *args, **kwargs)


class NotificationReadApi(PersonalDataApi, APIView):
    """Mark one of your notifications read (again: no change). Another customer's is 404."""

    permission_classes = [IsPerson]

    @extend_schema(request=None, responses=NotificationSerializer)
    @answers(NOT_FOUND)
    def post(self, request: Request, notification_id: int) -> Response:
        notification = services.notification_mark_read(user=request.user, notification_id=notification_id)
        return Response(NotificationSerializer(notification).data)
