from django.urls import path

from apps.notifications.api import views

urlpatterns = [
    path("notifications/", views.NotificationListApi.as_view(), name="notification-list"),
    path("notifications/<int:notification_id>/read/", views.NotificationReadApi.as_view(), name="notification-read"),
]
