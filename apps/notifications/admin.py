from django.contrib import admin

from apps.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["kind", "channel", "recipient", "status", "subject", "created_at"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["recipient", "subject", "provider_id", "=event_id"]
    readonly_fields = [f.name for f in Notification._meta.fields]


from apps.notifications.webhooks import admin as webhook_admin  # noqa: E402, F401
