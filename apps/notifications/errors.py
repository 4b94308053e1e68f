from apps.core.errors import NotFound


class NotificationNotFound(NotFound):
    title = "No such notification."
