from django.contrib import admin

from apps.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["kind", "recipient", "subject", "created_at"]
    list_filter = ["kind", "channel"]
    search_fields = ["recipient", "subject"]
    readonly_fields = [f.name for f in Notification._meta.fields]


from apps.notifications.webhooks import admin as webhook_admin  # noqa: E402, F401
