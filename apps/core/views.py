import hmac
import ipaddress
import logging
import sys

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from rest_framework.throttling import BaseThrottle

from apps.core import degrade, health
from apps.core import metrics as core_metrics
from apps.core.api.errors import (
    problem,
    problem_json_response,
    service_unavailable_headers,
    service_unavailable_problem,
)

logger = logging.getLogger(__name__)


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive. No I/O, so a load balancer may call it as often as it likes."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to serve: the database, cache and broker all answer; 503 names what failed."""
    results = health.readiness()
    failed = sorted(name for name, reason in results.items() if reason)
    checks = {name: ("ok" if reason is None else "failed") for name, reason in results.items()}
    if failed:
        # The reasons (hosts, users) go to the log, not to whoever asks.
        logger.error("not ready: %s", "; ".join(f"{name}: {results[name]}" for name in failed))
        return JsonResponse({"status": "unavailable", "checks": checks, "failed": failed}, status=503)
    return JsonResponse({"status": "ok", "checks": checks})


def _metrics_allowed(request: HttpRequest) -> bool:
    """A scraper from METRICS_ALLOWED_IPS (loopback by default), or one that sends
    `Authorization: Bearer <METRICS_TOKEN>`. The address is read as the throttles read it:
    through TRUSTED_PROXY_COUNT proxies, so a client behind the proxy cannot pass for it."""
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode()):
            return True
    try:
        address = ipaddress.ip_address(BaseThrottle().get_ident(request).strip())
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)


@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text, for the scraper only: the counters describe everyone's traffic."""
    if not _metrics_allowed(request):
        if settings.METRICS_TOKEN:
            response = HttpResponse("Send the metrics token.\n", status=401, content_type="text/plain")
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
        return HttpResponse("Metrics are served to the scraper only.\n", status=403, content_type="text/plain")
    return HttpResponse(core_metrics.render(), content_type="text/plain; version=0.0.4; charset=utf-8")


def _wants_problem(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def refusal(
    request: HttpRequest, *, status: int, code: str, title: str, detail: str, errors: dict | None = None
) -> HttpResponse:
    """A request refused before it reached a view: problem+json under /api/, else the
    error page for this status."""
    if _wants_problem(request):
        return problem_json_response(problem(status_code=status, code=code, title=title, detail=detail, errors=errors))
    return render(request, f"{status}.html", {"detail": detail}, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_problem(request):
        return problem_json_response(
            problem(status_code=404, code="not_found", title="Not found.", detail="No such resource.")
        )
    return render(request, "404.html", status=404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_problem(request):
        return problem_json_response(
            problem(status_code=400, code="bad_request", title="Bad request.", detail="The request was malformed.")
        )
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_problem(request):
        return problem_json_response(
            problem(status_code=403, code="permission_denied", title="You may not do this.", detail="Forbidden.")
        )
    return render(request, "403.html", status=403)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: problem+json under /api/, else a page that needs no database
    (rendered without the request, so no session or user is looked up)."""
    if _wants_problem(request):
        response = problem_json_response(service_unavailable_problem())
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    for header, value in service_unavailable_headers().items():
        response[header] = value
    # apps.core.degrade reports the outage (rate-limited): not one error line per request.
    response._has_been_logged = True
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this inside its `except` block: a database that went away while a
    # middleware (sessions, users) was reading it is a 503, not a 500.
    exc = sys.exc_info()[1]
    if exc is not None and degrade.database_unavailable(exc):
        degrade.degraded("database", f"{type(exc).__name__}: {exc}")
        return database_unavailable(request)
    if _wants_problem(request):
        return problem_json_response(
            problem(
                status_code=500,
                code="server_error",
                title="Something went wrong on our side.",
                detail="The error has been logged; please try again later.",
            )
        )
    return render(request, "500.html", status=500)
