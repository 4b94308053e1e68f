from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from apps.core import views as core_views

docs_csp = csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})

api_v1 = [
    path("auth/", include("apps.accounts.api.urls")),
    path("me/", include("apps.accounts.api.me_urls")),
    path("", include("apps.flights.api.urls")),
    path("", include("apps.inventory.api.urls")),
    path("", include("apps.bookings.api.urls")),
    path("", include("apps.payments.api.urls")),
    path("", include("apps.notifications.webhooks.api")),
    path("", include("apps.notifications.api.urls")),
]

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", core_views.metrics, name="metrics"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The API docs pages inject their own styles and run Redoc's worker from a blob.
    path("api/docs/", docs_csp(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="swagger-ui"),
    path("api/redoc/", docs_csp(SpectacularRedocView.as_view(url_name="schema")), name="redoc"),
    # Any other /api/ path is a problem+json 404, in DEBUG too, for every method: a POST
    # to `webhooks/abc/` is not found, not refused for a missing CSRF token (it changes nothing).
    re_path(r"^api/", csrf_exempt(core_views.not_found)),
    path("admin/", admin.site.urls),
    path("accounts/privacy/", include("apps.accounts.privacy_urls")),
    # allauth first: /accounts/login/ resolves to `account_login`; ours adds the MFA pages.
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("bookings/", include("apps.bookings.urls")),
    path("payments/", include("apps.payments.urls")),
    path("notifications/", include("apps.notifications.urls")),
    path("", include("apps.inventory.urls")),
    path("", include("apps.flights.urls")),
]

handler400 = "apps.core.views.bad_request"
handler403 = "apps.core.views.permission_denied"
handler404 = "apps.core.views.not_found"
handler500 = "apps.core.views.server_error"
# allauth answers its own rate limits (sign-in, sign-up, password reset) with this.
handler429 = "apps.accounts.views.too_many_requests"
