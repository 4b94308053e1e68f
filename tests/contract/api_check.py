"""`make api-check`: is the OpenAPI document true? Serve the project and let schemathesis
(an OpenAPI fuzzer) try every operation of `/api/schema/` with every check it has, once
signed in as a customer (Bearer JWT) and once as a partner (API key). Any finding fails.

It builds a database of its own (`API_CHECK_DATABASE`, default `flightbook_api_check`,
dropped and created afresh): migrations, two days of the demo network, a customer, a
partner with a key and webhook endpoints. It serves it with the production gunicorn configuration on a free
loopback port, then gives schemathesis real values to reach deep operations: held
bookings' locators, fresh offer ids, flight ids, the sandbox's payment methods (bound
to the parameters of those names, most of the time; the rest is fuzzed).

Environment: API_CHECK_DATABASE, API_CHECK_REDIS_URL (cache and throttles; default
TEST_CACHE_URL, else redis://127.0.0.1:6379/12), API_CHECK_MAX_EXAMPLES (cases per
operation and phase, default 20), API_CHECK_SEED (default 1, for a reproducible run),
BENCH_PG_URL (the PostgreSQL server, as for the benchmarks). Reports are written to
test-artifacts/api-check/."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

from tests.bench import databases
from tests.bench.paths import REPO_ROOT
from tests.bench.server import HOST, Server

DATABASE = os.environ.get("API_CHECK_DATABASE", "flightbook_api_check")
REDIS_URL = os.environ.get("API_CHECK_REDIS_URL") or os.environ.get("TEST_CACHE_URL") or "redis://127.0.0.1:6379/12"
MAX_EXAMPLES = int(os.environ.get("API_CHECK_MAX_EXAMPLES", "20"))
SEED = os.environ.get("API_CHECK_SEED", "1")
ARTIFACTS = REPO_ROOT / "test-artifacts" / "api-check"
PASSWORD = "api-check-password-0123"
CUSTOMER = "customer@api-check.example"
HELD_BOOKINGS = 6  # per run: payments, seats and cancellation each use some up
OFFERS = 12
IDEMPOTENCY_KEYS = 5000
SEATS = 40
WEBHOOK_ENDPOINTS = 4  # DELETE uses some up
# Public addresses, so that no name needs resolving (the check runs offline too).
WEBHOOK_URLS = ["https://93.184.215.14/hooks", "https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/flightbook"]
STRICT_OPERATIONS = [
    "GET /api/v1/airports/",
    "GET /api/v1/bookings/",
    "GET /api/v1/bookings/{locator}/",
    "GET /api/v1/bookings/{locator}/cancellation/",
    "GET /api/v1/flights/{flight_id}/",
    "GET /api/v1/flights/{flight_id}/seatmap/",
    "GET /api/v1/flights/status/",
    "GET /api/v1/me/",
    "GET /api/v1/me/export/",
]
PASSPORT = {"type": "passport", "number": "P1234567", "issuing_country": "GB", "nationality": "GB",
            "expires_on": "2036-01-01"}  # fmt: skip
PASSENGER = {"type": "adult", "given_name": "Ada", "family_name": "Lovelace", "date_of_birth": "1985-04-12",
             "document": PASSPORT}  # fmt: skip
# The server runs tasks nowhere (an in-memory broker): their events stay in the outbox of
# a database that is thrown away. Tokens outlive the run.
SERVER_ENV = {
    "REDIS_URL": REDIS_URL,
    "CELERY_BROKER_URL": "memory://",
    "PAYMENT_PROVIDER": "sandbox",
    "JWT_ACCESS_MINUTES": "120",
    "DATABASE_POOL": "false",
}


def _prepare() -> dict:
    """A fresh database with the demo network for two days, a customer and a partner key."""
    if databases._exists(DATABASE):
        databases._drop(DATABASE)
    databases._create(DATABASE)
    os.environ.update(databases.django_env(database=DATABASE, **SERVER_ENV))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from apps.accounts.api_keys import api_key_create
    from apps.accounts.models import ApiKeyScope, Partner, User
    from apps.core import clock
    from apps.flights.models import Flight
    from apps.inventory.demo import demo_network_ensure

    day = clock.now().date() + timedelta(days=3)
    demo_network_ensure(start=day, days=2, all_airports_too=False)
    User.objects.create_user(CUSTOMER, PASSWORD, first_name="Ada", last_name="Lovelace")
    partner = Partner.objects.create(name="API check travel")
    _, api_key = api_key_create(partner=partner, name="api-check", scopes=ApiKeyScope.values, created_by=None)
    webhooks = _webhooks(partner)
    flights = list(
        Flight.objects.filter(departure_date=day)
        .select_related("origin", "destination", "airline")
        .order_by("departure_at")[:20]
    )
    return {
        "day": day.isoformat(),
        "api_key": api_key,
        "routes": sorted({(f.origin.iata_code, f.destination.iata_code) for f in flights}),
        "flights": [f.pk for f in flights],
        "flight_numbers": sorted({f.airline.iata_code + f.number for f in flights}),
        **webhooks,
    }


def _webhooks(partner) -> dict:
    """Webhook endpoints of the partner, each with a delivery in its log (nothing is sent:
    the server runs no tasks), so that their operations are reached with real ids."""
    from apps.notifications.webhook_models import WebhookDelivery
    from apps.notifications.webhooks.services import webhook_endpoint_create

    endpoints, deliveries = [], []
    for _ in range(WEBHOOK_ENDPOINTS):
        endpoint, _ = webhook_endpoint_create(partner=partner, url=WEBHOOK_URLS[0], events=["booking.confirmed"])
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event_type="booking.confirmed", body="{}", state="succeeded", attempts=1
        )
        endpoints.append(endpoint.pk)
        deliveries.append(delivery.pk)
    return {"webhook_endpoints": endpoints, "webhook_deliveries": deliveries}


class Api:
    """Plain HTTP to the server under test, for setting the stage."""

    def __init__(self, port: int, authorization: str = "") -> None:
        self.port, self.authorization = port, authorization

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.authorization:
            headers["Authorization"] = self.authorization
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            return response.status, json.loads(raw) if raw else {}
        finally:
            conn.close()


def _offers(api: Api, stage: dict, count: int) -> list[str]:
    offers: list[str] = []
    for origin, destination in stage["routes"]:
        status, page = api.call(
            "GET", f"/api/v1/flights/search/?origin={origin}&destination={destination}&departure_date={stage['day']}"
        )
        if status == 200:
            offers += [offer["id"] for offer in page["results"] if offer["passengers"]["adults"] == 1]
        if len(offers) >= count:
            break
    if len(offers) < count:
        raise SystemExit(f"api-check: only {len(offers)} offers found on {stage['day']}")
    return offers[:count]


def _held_bookings(api: Api, offers: list[str]) -> list[dict]:
    bookings = []
    for offer_id in offers:
        status, booking = api.call(
            "POST",
            "/api/v1/bookings/",
            {"offer_id": offer_id, "passengers": [PASSENGER], "contact": {"email": "ada@example.com"}},
        )
        if status != 201:
            raise SystemExit(f"api-check: holding a booking answered {status}: {booking}")
        bookings.append(booking)
    return bookings


def _free_seats(api: Api, flight_ids: list[int]) -> list[str]:
    """Designators of seats still free in economy on these flights (from their seat maps)."""
    seats: set[str] = set()
    for flight_id in flight_ids:
        status, seat_map = api.call("GET", f"/api/v1/flights/{flight_id}/seatmap/")
        if status != 200:
            raise SystemExit(f"api-check: the seat map of flight {flight_id} answered {status}")
        for cabin in seat_map["cabins"]:
            if cabin["cabin"] == "economy":
                seats |= {seat["designator"] for row in cabin["rows"] for seat in row["seats"] if seat["available"]}
    return sorted(seats)[:SEATS]


def _config(*, path: Path, stage: dict, auth: dict, bookings: list[dict], offers: list[str], seats: list[str]) -> Path:
    """schemathesis.toml for one run: the values bound to parameters, and the auth."""

    def values(items) -> str:
        return json.dumps(list(items))

    scheme, secret = next(iter(auth.items()))
    locators = [booking["locator"] for booking in bookings]
    passengers = [passenger["id"] for booking in bookings for passenger in booking["passengers"]]
    segments = [s["flight_id"] for booking in bookings for sl in booking["slices"] for s in sl["segments"]]
    # Fresh keys, so that a generated header does not replay (or clash with) an earlier request.
    keys = [str(uuid.uuid4()) for _ in range(IDEMPOTENCY_KEYS)]
    key = "bearer" if scheme == "jwtAuth" else "api_key"
    path.write_text(
        f"""# Written by tests/contract/api_check.py for one run.
[checks.positive_data_acceptance]
# A well-formed request may still name an unknown airport, a past date, an offer that is
# not ours or a wrong password: the rules beyond the schema answer 400, 402, 410 or 422.
expected-statuses = ["2xx", "400", "401", "402", "403", "404", "409", "410", "422", "429"]

# Operations whose every rule is in the schema: a well-formed request is never a 400.
[[operations]]
include-name = {values(STRICT_OPERATIONS)}
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "429"]

[dictionaries.locators]
values = {values(locators)}
[dictionaries.offers]
values = {values(offers)}
[dictionaries.flights]
values = {values(stage["flights"])}
[dictionaries.airports]
values = {values(sorted({code for route in stage["routes"] for code in route}))}
[dictionaries.days]
values = {values([stage["day"]])}
[dictionaries.flight_numbers]
values = {values(stage["flight_numbers"])}
[dictionaries.passengers]
values = {values(passengers)}
[dictionaries.segments]
values = {values(segments)}
[dictionaries.seats]
values = {values(seats)}
[dictionaries.idempotency_keys]
values = {values(keys)}
[dictionaries.webhook_endpoints]
values = {values(stage["webhook_endpoints"])}
[dictionaries.webhook_deliveries]
values = {values(stage["webhook_deliveries"])}
[dictionaries.webhook_urls]
values = {values(WEBHOOK_URLS)}
[dictionaries.payment_methods]
values = ["pm_card_visa", "pm_card_chargeDeclined", "pm_card_authenticationRequired"]

[parameters]
"path.locator" = {{ dictionary = "locators", probability = 0.8 }}
"path.flight_id" = {{ dictionary = "flights", probability = 0.8 }}
"body.offer_id" = {{ dictionary = "offers", probability = 0.8 }}
"body.payment_method" = {{ dictionary = "payment_methods", probability = 0.8 }}
"body.locator" = {{ dictionary = "locators", probability = 0.5 }}
"body.seats[*].passenger_id" = {{ dictionary = "passengers", probability = 0.8 }}
"body.seats[*].flight_id" = {{ dictionary = "segments", probability = 0.8 }}
"body.seats[*].designator" = {{ dictionary = "seats", probability = 0.8 }}
"path.endpoint_id" = {{ dictionary = "webhook_endpoints", probability = 0.8 }}
"path.delivery_id" = {{ dictionary = "webhook_deliveries", probability = 0.8 }}
"body.url" = {{ dictionary = "webhook_urls", probability = 0.6 }}
"header.Idempotency-Key" = {{ dictionary = "idempotency_keys", probability = 0.9 }}
"query.origin" = {{ dictionary = "airports", probability = 0.9 }}
"query.destination" = {{ dictionary = "airports", probability = 0.9 }}
"query.departure_date" = {{ dictionary = "days", probability = 0.9 }}
"query.date" = {{ dictionary = "days", probability = 0.6 }}
"query.flight_number" = {{ dictionary = "flight_numbers", probability = 0.6 }}

[auth.openapi.{scheme}]
{key} = {json.dumps(secret)}
"""
    )
    return path


def _schemathesis(*, label: str, url: str, config: Path) -> subprocess.Popen:
    """Start one schemathesis run (its output goes to test-artifacts/api-check/<label>.txt)."""
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(config),
        "run",
        url,
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        SEED,
        # One thread per run: schemathesis' worker threads hit a CPython 3.11 bug in the
        # compiler ("AST constructor recursion depth mismatch", python/cpython#106905).
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--no-shrink",  # a finding is reported as found: faster, and the report still has its curl
        "--no-color",
        "--report",
        "ndjson,junit",
        "--report-ndjson-path",
        str(ARTIFACTS / f"{label}.ndjson"),
        "--report-junit-path",
        str(ARTIFACTS / f"{label}.junit.xml"),
    ]
    print(f"api-check: schemathesis as the {label} ...", flush=True)
    with (ARTIFACTS / f"{label}.txt").open("w") as output:
        return subprocess.Popen(command, cwd=ARTIFACTS, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603


def _figures(events: Path) -> dict:
    """Operations tested, cases generated and findings per check, from the NDJSON report."""
    operations, cases, findings = set(), 0, Counter()
    seen_failures = set()
    for line in events.read_text().splitlines():
        event = json.loads(line)
        (kind, body), *_ = event.items()
        if kind != "ScenarioFinished":
            continue
        recorder = body.get("recorder", {})
        label = recorder.get("label") or ""
        if label.split(" ", 1)[0] in ("GET", "POST", "PUT", "PATCH", "DELETE"):  # not "Stateful tests"
            operations.add(label)
        cases += len(recorder.get("cases", {}))
        for check_list in recorder.get("checks", {}).values():
            for check in check_list:
                if check.get("status") == "failure":
                    failure = check.get("failure_info") or {}
                    key = (label, check.get("name"), json.dumps(failure.get("failure", failure), sort_keys=True)[:500])
                    if key not in seen_failures:
                        seen_failures.add(key)
                        findings[check.get("name")] += 1
    return {"operations": len(operations), "cases": cases, "findings": dict(findings)}


def main() -> int:
    started = time.monotonic()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"api-check: preparing {DATABASE} ...", flush=True)
    stage = _prepare()
    server = Server(
        label="api-check", database=DATABASE, cache_prefix=f"api-check-{os.getpid()}", env=SERVER_ENV,
        artifacts=ARTIFACTS,
    )  # fmt: skip
    results = []
    with server:
        base = f"http://{HOST}:{server.port}"
        status, pair = Api(server.port).call("POST", "/api/v1/auth/token/", {"email": CUSTOMER, "password": PASSWORD})
        if status != 200:
            raise SystemExit(f"api-check: signing in answered {status}: {pair}")
        runs = [
            ("customer", {"jwtAuth": pair["access"]}, f"Bearer {pair['access']}"),
            ("partner", {"apiKeyAuth": f"Api-Key {stage['api_key']}"}, f"Api-Key {stage['api_key']}"),
        ]
        # Both runs at once, on their own bookings: the server is what takes the time.
        running = []
        for label, auth, authorization in runs:
            api = Api(server.port, authorization)
            offers = _offers(api, stage, HELD_BOOKINGS + OFFERS)
            bookings = _held_bookings(api, offers[:HELD_BOOKINGS])
            segments = [s["flight_id"] for b in bookings for sl in b["slices"] for s in sl["segments"]]
            config = _config(
                path=ARTIFACTS / f"schemathesis-{label}.toml",
                stage=stage,
                auth=auth,
                bookings=bookings,
                seats=_free_seats(api, segments),
                offers=offers[HELD_BOOKINGS:],
            )
            running.append(
                (label, time.monotonic(), _schemathesis(label=label, url=f"{base}/api/schema/", config=config))
            )
        for label, run_started, process in running:
            exit_code = process.wait()
            figures = _figures(ARTIFACTS / f"{label}.ndjson")
            figures.update(label=label, exit_code=exit_code, seconds=round(time.monotonic() - run_started, 1))
            if exit_code != 0:
                print((ARTIFACTS / f"{label}.txt").read_text()[-20000:], flush=True)
            results.append(figures)
    (ARTIFACTS / "figures.json").write_text(json.dumps(results, indent=2))
    print(f"\napi-check ({round(time.monotonic() - started)} s; reports in test-artifacts/api-check/)")
    print(f"{'run':<10} {'operations':>10} {'cases':>7} {'seconds':>8}  findings")
    failed = False
    for run in results:
        findings = ", ".join(f"{name}: {count}" for name, count in sorted(run["findings"].items())) or "none"
        print(f"{run['label']:<10} {run['operations']:>10} {run['cases']:>7} {run['seconds']:>8}  {findings}")
        failed = failed or run["exit_code"] != 0 or bool(run["findings"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
