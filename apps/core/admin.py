from django.contrib import admin

from apps.core.models import OutboxEvent, ProcessedEvent


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ["topic", "id", "created_at", "dispatched_at", "attempts"]
    list_filter = ["topic", ("dispatched_at", admin.EmptyFieldListFilter)]
    search_fields = ["id", "topic", "request_id"]
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]


@admin.register(ProcessedEvent)
class ProcessedEventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "handler", "processed_at"]
    search_fields = ["event_id", "handler"]
