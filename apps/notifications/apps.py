from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"

    def ready(self) -> None:
        from apps.notifications import handlers  # noqa: F401  (registers outbox handlers)
        from apps.notifications.webhooks import handlers as webhook_handlers  # noqa: F401
        from apps.notifications.webhooks import tasks as webhook_tasks  # noqa: F401
