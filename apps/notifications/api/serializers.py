from rest_framework import serializers

from apps.notifications.kinds import NotificationKind
from apps.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    title = serializers.CharField(source="subject")
    booking = serializers.SlugRelatedField(
        slug_field="locator", read_only=True, allow_null=True, help_text="The booking's locator"
    )
    read_at = serializers.DateTimeField(allow_null=True, help_text="When it was marked read; null while unread")

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "booking", "created_at", "read_at"]
        read_only_fields = fields
