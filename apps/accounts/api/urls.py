from django.urls import path

from apps.accounts.api import views

urlpatterns = [
    path("token/", views.TokenObtainApi.as_view(), name="token_obtain_pair"),
    path("token/refresh/", views.TokenRefreshApi.as_view(), name="token_refresh"),
    path("logout/", views.LogoutApi.as_view(), name="auth_logout"),
]
