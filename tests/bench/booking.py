"""Booking benchmark (DESIGN.md §7): hold throughput on many flights, the hot-flight race
for the last seats, and the end-to-end search → hold → pay → confirm path.

`make bench-booking`. Builds a small database of its own (the demo network, two days),
serves it with the production gunicorn configuration, and drives it over HTTP from this
process with real customers (JWT tokens), all on loopback and bounded in count and time.
Figures come with the ratio of their throughput to /healthz measured in the same run."""

from __future__ import annotations

import http.client
import json
import os
import random
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from tests.bench import databases
from tests.bench.load import percentile
from tests.bench.paths import ARTIFACTS
from tests.bench.server import HOST, Server

DATABASE = os.environ.get("BENCH_BOOKING_DB", "flightbook_bench_booking")
CUSTOMERS = int(os.environ.get("BENCH_BOOKING_CUSTOMERS", "40"))
CONCURRENCY = int(os.environ.get("BENCH_BOOKING_CONCURRENCY", "8"))
HOT_CLIENTS, HOT_SEATS = 60, 10
PASSWORD = "bench-password-0123"
PASSPORT = {"type": "passport", "number": "P1234567", "issuing_country": "GB", "nationality": "GB",
            "expires_on": "2036-01-01"}  # fmt: skip


def _prepare() -> dict:
    """Fresh database: migrate, demo network for two days, customers, and one hot flight whose
    economy has exactly HOT_SEATS seats left in its cheapest bucket and none elsewhere."""
    if databases._exists(DATABASE):
        databases._drop(DATABASE)
    databases._create(DATABASE)
    os.environ.update(databases.django_env(database=DATABASE))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from apps.accounts.models import User
    from apps.core import clock
    from apps.inventory.demo import demo_network_ensure
    from apps.inventory.models import FareClass

    start = clock.now().date() + timedelta(days=3)
    demo_network_ensure(start=start, days=2, all_airports_too=False)
    users = [
        User.objects.create_user(f"bench{i}@example.com", PASSWORD, first_name="Bench", last_name=f"Customer{i}")
        for i in range(max(CUSTOMERS, HOT_CLIENTS))
    ]
    hot = FareClass.objects.filter(cabin="economy", flight__origin__iata_code="LHR").order_by("price").first()
    FareClass.objects.filter(flight=hot.flight, cabin="economy").exclude(pk=hot.pk).update(capacity=0)
    FareClass.objects.filter(pk=hot.pk).update(capacity=HOT_SEATS)
    flights = list(
        FareClass.objects.filter(cabin="economy", code="V", flight__departure_date=start)
        .exclude(flight=hot.flight)
        .values_list("flight__origin__iata_code", "flight__destination__iata_code")
        .distinct()
    )
    return {
        "day": start.isoformat(),
        "users": [u.email for u in users],
        "hot": (hot.flight.origin.iata_code, hot.flight.destination.iata_code, hot.flight.departure_date.isoformat(),
                hot.flight.airline.iata_code + hot.flight.number),
        "routes": flights,
    }  # fmt: skip


class Client:
    """One customer on one keep-alive connection."""

    def __init__(self, port: int, email: str) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection(HOST, port, timeout=30)
        status, body, _ = self.call("POST", "/api/v1/auth/token/", {"email": email, "password": PASSWORD})
        assert status == 200, body
        self.token = body["access"]

    def call(self, method: str, path: str, payload: dict | None = None, **headers) -> tuple[int, dict, float]:
        headers = {"Content-Type": "application/json", **headers}
        if getattr(self, "token", None):
            headers["Authorization"] = f"Bearer {self.token}"
        started = time.perf_counter()
        body = json.dumps(payload) if payload is not None else None
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # gunicorn closes keep-alive connections idle for a few seconds: reconnect once.
            self.conn.close()
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
            started = time.perf_counter()
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        raw = response.read()
        return response.status, (json.loads(raw) if raw else {}), (time.perf_counter() - started) * 1000


def _search(client: Client, origin: str, destination: str, day: str) -> tuple[int, dict, float]:
    return client.call("GET", f"/api/v1/flights/search/?origin={origin}&destination={destination}"
                              f"&departure_date={day}&max_stops=0")  # fmt: skip


def _passenger(i: int) -> dict:
    return {"type": "adult", "given_name": "Bench", "family_name": f"Customer{chr(65 + i % 26)}",
            "date_of_birth": "1985-05-05", "document": PASSPORT}  # fmt: skip


def _parallel(count: int, work, concurrency: int) -> float:
    """Run work(i, thread) for i in range(count) on `concurrency` threads (numbered from 0);
    returns the elapsed seconds."""
    lock, next_index = threading.Lock(), [0]

    def worker(thread: int) -> None:
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= count:
                return
            work(i, thread)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(t,)) for t in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return time.perf_counter() - started


def _figures(latencies: list[float], elapsed: float, count: int) -> dict:
    ordered = sorted(latencies)
    return {
        "count": count,
        "per_s": round(count / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(ordered, 50), 1),
        "p95_ms": round(percentile(ordered, 95), 1),
    }


def run() -> dict:
    data = _prepare()
    results: dict = {"customers": CUSTOMERS, "concurrency": CONCURRENCY}
    with Server(label="booking", database=DATABASE, cache_prefix="bench-booking") as server:
        clients = [Client(server.port, email) for email in data["users"]]
        rng = random.Random(7)

        # Baseline: /healthz through the full stack, same connections, same concurrency.
        health: list[float] = []
        elapsed = _parallel(2000, lambda i, t: health.append(clients[t].call("GET", "/healthz")[2]),
                            CONCURRENCY)  # fmt: skip
        results["healthz"] = _figures(health, elapsed, 2000)

        # 1. Holds on many flights at once.
        offers = []
        for i in range(CUSTOMERS):
            origin, destination = rng.choice(data["routes"])
            status, body, _ = _search(clients[i], origin, destination, data["day"])
            if status == 200 and body["results"]:
                offers.append((i, body["results"][0]["id"]))
        holds: list[float] = []
        outcomes: Counter = Counter()

        def hold(n: int, _thread: int) -> None:
            i, offer_id = offers[n]
            body = {"offer_id": offer_id, "passengers": [_passenger(i)], "contact": {"email": "b@example.com"}}
            status, answer, ms = clients[i].call("POST", "/api/v1/bookings/", body, **{"Idempotency-Key": f"h-{i}"})
            outcomes[status if status != 409 else answer.get("code")] += 1
            holds.append(ms)

        elapsed = _parallel(len(offers), hold, CONCURRENCY)
        results["holds"] = {**_figures(holds, elapsed, len(offers)), "outcomes": dict(outcomes)}

        # 2. The hot flight: many clients, one offer, the last HOT_SEATS seats.
        origin, destination, day, number = data["hot"]
        searches = [_search(clients[i], origin, destination, day) for i in range(HOT_CLIENTS)]
        offer_ids = [next(o["id"] for o in body["results"] if o["slices"][0]["segments"][0]["flight_number"] == number)
                     for _, body, _ in searches]  # fmt: skip
        race: Counter = Counter()
        race_ms: list[float] = []
        barrier = threading.Barrier(HOT_CLIENTS)

        def racer(i: int) -> None:
            body = {"offer_id": offer_ids[i], "passengers": [_passenger(i)], "contact": {"email": "r@example.com"}}
            barrier.wait()
            status, answer, ms = clients[i].call("POST", "/api/v1/bookings/", body)
            race["booked" if status == 201 else answer.get("code", str(status))] += 1
            race_ms.append(ms)

        threads = [threading.Thread(target=racer, args=(i,)) for i in range(HOT_CLIENTS)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        results["hot_flight"] = {**_figures(race_ms, time.perf_counter() - started, HOT_CLIENTS),
                                 "clients": HOT_CLIENTS, "seats": HOT_SEATS, "outcomes": dict(race)}  # fmt: skip

        # 3. End to end for fresh customers: search, hold, pay (sandbox), confirmed.
        steps: dict[str, list[float]] = {"search": [], "hold": [], "pay": [], "read": []}
        confirmed = Counter()

        def journey(n: int, _thread: int) -> None:
            i = n
            client = clients[i]
            origin, destination = rng.choice(data["routes"])
            status, body, ms = _search(client, origin, destination, data["day"])
            steps["search"].append(ms)
            if status != 200 or not body["results"]:
                confirmed["no offer"] += 1
                return
            payload = {"offer_id": body["results"][-1]["id"], "passengers": [_passenger(i)],
                       "contact": {"email": "e2e@example.com"}}  # fmt: skip
            status, booking, ms = client.call("POST", "/api/v1/bookings/", payload)
            steps["hold"].append(ms)
            if status != 201:
                confirmed[booking.get("code", str(status))] += 1
                return
            locator = booking["locator"]
            pay = {"payment_method": "pm_card_visa"}
            _, _, ms = client.call(
                "POST", f"/api/v1/bookings/{locator}/payments/", pay, **{"Idempotency-Key": f"pay-{locator}"}
            )
            steps["pay"].append(ms)
            status, booking, ms = client.call("GET", f"/api/v1/bookings/{locator}/")
            steps["read"].append(ms)
            confirmed[booking.get("status", str(status))] += 1

        elapsed = _parallel(CUSTOMERS, journey, CONCURRENCY)
        results["end_to_end"] = {
            "customers": CUSTOMERS,
            "per_s": round(CUSTOMERS / elapsed, 1),
            "outcomes": dict(confirmed),
            "steps": {name: _figures(ms, elapsed, len(ms)) for name, ms in steps.items()},
        }
    return results


def table(results: dict) -> str:
    base = results["healthz"]["per_s"]
    rows = [("scenario", "count", "per s", "p50 ms", "p95 ms", "ratio to /healthz", "outcomes")]

    def row(name: str, f: dict, outcomes: dict | None = None) -> None:
        rows.append((name, str(f["count"]), str(f["per_s"]), str(f["p50_ms"]), str(f["p95_ms"]),
                     f"{f['per_s'] / base:.3f}", json.dumps(outcomes or {})))  # fmt: skip

    row("/healthz (baseline)", results["healthz"])
    row("holds on many flights", results["holds"], results["holds"]["outcomes"])
    row(
        f"hot flight: {HOT_CLIENTS} clients, {HOT_SEATS} seats",
        results["hot_flight"],
        results["hot_flight"]["outcomes"],
    )
    for name, f in results["end_to_end"]["steps"].items():
        row(f"end to end: {name}", f, results["end_to_end"]["outcomes"] if name == "read" else None)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows)


def main() -> int:
    results = run()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    Path(ARTIFACTS / "booking-latest.json").write_text(json.dumps(results, indent=2))
    print(table(results))
    hot = results["hot_flight"]["outcomes"]
    ok = hot.get("booked") == HOT_SEATS and set(hot) <= {"booked", "sold_out"}
    print(
        f"\nhot flight: sold {hot.get('booked', 0)} of {HOT_SEATS}, other answers {hot} -> {'OK' if ok else 'FAILED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
