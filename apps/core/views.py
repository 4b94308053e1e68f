import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core import health
from apps.core import metrics as core_metrics
from apps.core.api.errors import problem, problem_json_response

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


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
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


def server_error(request: HttpRequest) -> HttpResponse:
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
