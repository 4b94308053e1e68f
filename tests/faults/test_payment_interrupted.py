"""A payment request that dies half-way, done for real: gunicorn serves the project with
production settings on the test database, the sandbox bank is stopped at a fault point
(before it charges, or after it has charged but before we recorded the answer), and the
worker is killed with SIGKILL or its database connection is terminated. The client then
tries again, with the same Idempotency-Key or a new one, and must get the booking paid:
one charge, the booking confirmed once, no seat sold twice."""

from __future__ import annotations

import os
import secrets
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection
from django.db.models import F

from apps.accounts.jwt import RefreshToken
from apps.bookings.models import Booking, BookingEvent, BookingStatus
from apps.core.models import IdempotencyKey
from apps.inventory.models import FareClass
from apps.payments.models import Payment, PaymentStatus, Refund, SandboxRecord
from tests.factories import FareClassFactory, UserFactory
from tests.faults.servers import HOST, Gunicorn, clean_env
from tests.payments.helpers import hold

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

# Short, so that a test need not wait long: the attempt's lease, then the key's claim.
LEASE_SECONDS = 2
CLAIM_SECONDS = 3
# How the server's database connections name themselves (so the test can drop only those).
APPLICATION_NAME = "flightbook-payment-fault-server"
WAIT_SECONDS = 60  # for a fault point to be reached, a retry to be answered


def _database_url() -> str:
    """The test database (the one pytest-django made), as the server must reach it."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "postgres", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return (
        f"postgres://{credentials}@{db['HOST'] or HOST}:{db['PORT'] or 5432}/{db['NAME']}"
        f"?application_name={APPLICATION_NAME}"
    )


@dataclass
class Answer:
    status: int
    body: dict

    @property
    def code(self) -> str:
        return self.body.get("code", "")


class PaymentServer(Gunicorn):
    """gunicorn with docker/gunicorn.conf.py and one worker, and the fault points' control file."""

    def __init__(self, tmp: Path) -> None:
        self.fault_file = tmp / "fault"
        env = clean_env(
            DJANGO_SETTINGS_MODULE="tests.faults.payment_settings",
            DJANGO_SECRET_KEY=settings.SECRET_KEY,  # the test mints the customer's JWT
            JWT_SIGNING_KEY=settings.SIMPLE_JWT["SIGNING_KEY"],
            DJANGO_ALLOWED_HOSTS=HOST,
            DJANGO_SECURE_SSL_REDIRECT="0",
            DATABASE_URL=_database_url(),
            REDIS_URL=settings.CACHES["default"]["LOCATION"],
            CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
            FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
            PAYMENT_PROVIDER="sandbox",
            PAYMENT_ATTEMPT_LEASE_SECONDS=str(LEASE_SECONDS),
            IDEMPOTENCY_CLAIM_SECONDS=str(CLAIM_SECONDS),
            # The client below retries while told "not now"; the payment throttle is not under test.
            API_THROTTLE_RATES="payment_burst=1000/minute,payment_sustained=10000/hour",
            FLIGHTBOOK_FAULT_FILE=str(self.fault_file),
            PROMETHEUS_MULTIPROC_DIR=str(tmp / "metrics"),
            GUNICORN_THREADS="2",
            LOG_LEVEL="WARNING",
            LOG_FORMAT="text",
        )
        super().__init__(env=env, log=tmp / "gunicorn.log")

    def worker_pid(self) -> int:
        (pid,) = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return int(pid)

    def request(
        self, method: str, path: str, *, body: dict | None = None, headers: dict | None = None, timeout: float = 0
    ) -> Answer:
        answer = super().request(method, path, body=body, headers=headers, timeout=timeout or WAIT_SECONDS)
        try:
            payload = answer.json() if answer.body else {}
        except ValueError:
            payload = {"raw": answer.body.decode(errors="replace")}
        return Answer(answer.status, payload)

    # The fault points.

    def stop_at(self, point: str) -> None:
        self.fault_file.write_text(point)

    def wait_until_stopped_at(self, point: str) -> None:
        reached = self.fault_file.with_name(self.fault_file.name + ".reached")
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if reached.exists() and reached.read_text() == point:
                return
            time.sleep(0.02)
        raise AssertionError(f"no request reached the fault point {point}:\n{self.log.read_text()}")

    def go_on(self) -> None:
        self.fault_file.unlink(missing_ok=True)


@pytest.fixture
def server(tmp_path) -> Iterator[PaymentServer]:
    payment_server = PaymentServer(tmp_path).start()
    try:
        yield payment_server
    finally:
        payment_server.go_on()
        payment_server.stop()


@dataclass
class Customer:
    booking: Booking
    token: str

    def pay(self, server: PaymentServer, key: str) -> Answer:
        return server.request(
            "POST",
            f"/api/v1/bookings/{self.booking.locator}/payments/",
            body={"payment_method": "pm_card_visa"},
            headers={"Authorization": f"Bearer {self.token}", "Idempotency-Key": key},
        )

    def pay_in_background(self, server: PaymentServer, key: str) -> dict:
        """Send the payment from a thread; the dict gets its `answer` or the `error` seen."""
        outcome: dict = {}

        def send() -> None:
            try:
                outcome["answer"] = self.pay(server, key)
            except OSError as exc:  # the worker died under the request
                outcome["error"] = exc

        thread = threading.Thread(target=send, daemon=True)
        thread.start()
        outcome["thread"] = thread
        return outcome

    def pay_until_answered(self, server: PaymentServer, key: str) -> Answer:
        """Try again as a client would while we say "not now" (the dead request's claim or
        attempt has not run out yet) or the new worker is starting."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                answer = self.pay(server, key)
            except OSError:
                answer = None
            if answer is not None and not (
                answer.status == 409 and answer.code in ("idempotency_in_progress", "payment_in_progress")
            ):
                return answer
            assert time.monotonic() < deadline, f"still {answer} after {WAIT_SECONDS}s"
            time.sleep(0.5)


@pytest.fixture
def customer() -> Customer:
    user = UserFactory()
    booking = hold(FareClassFactory(capacity=2), user=user, adults=2)
    return Customer(booking=booking, token=str(RefreshToken.for_user(user).access_token))


def _kill_worker(server: PaymentServer) -> None:
    pid = server.worker_pid()
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + WAIT_SECONDS
    while Path(f"/proc/{pid}").exists() and server.worker_pid() == pid and time.monotonic() < deadline:
        time.sleep(0.05)


def _terminate_database_connections() -> int:
    """What a database restart or a dropped network does to the server: every connection
    it has to the database is closed under it."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or HOST,
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
        autocommit=True,
    ) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            [APPLICATION_NAME],
        ).fetchall()
    return len(rows)


def _charges() -> int:
    return SandboxRecord.objects.filter(kind=SandboxRecord.Kind.PAYMENT, status=PaymentStatus.SUCCEEDED).count()


def assert_database_truth() -> None:
    """Charges equal confirmed bookings paid; no seat sold twice; one confirmation each."""
    confirmed = Booking.objects.filter(status=BookingStatus.CONFIRMED)
    assert _charges() == confirmed.filter(payments__applied=True).count() == confirmed.count()
    assert not Refund.objects.exists()
    assert not FareClass.objects.filter(sold__gt=F("capacity")).exists()
    for booking in confirmed:
        assert BookingEvent.objects.filter(booking=booking, kind="confirmed").count() == 1


KEYS = pytest.mark.parametrize("same_key", [True, False], ids=["same key", "new key"])


@KEYS
def test_worker_killed_after_the_charge_a_retry_confirms_the_booking_charged_once(server, customer, same_key):
    server.stop_at("after_charge")
    first = customer.pay_in_background(server, "first-try")
    server.wait_until_stopped_at("after_charge")
    assert _charges() == 1  # the bank has the money; we have not recorded it

    _kill_worker(server)
    server.go_on()
    first["thread"].join(WAIT_SECONDS)
    assert "answer" not in first  # the client got no answer
    answer = customer.pay_until_answered(server, "first-try" if same_key else secrets.token_hex(8))

    assert answer.status == 201, answer
    assert answer.body["status"] == PaymentStatus.SUCCEEDED
    assert Booking.objects.get(pk=customer.booking.pk).status == BookingStatus.CONFIRMED
    assert Payment.objects.filter(booking=customer.booking).count() == 1
    assert_database_truth()


@KEYS
def test_worker_killed_before_the_charge_a_retry_after_the_lease_pays(server, customer, same_key):
    server.stop_at("before_charge")
    first = customer.pay_in_background(server, "first-try")
    server.wait_until_stopped_at("before_charge")

    _kill_worker(server)
    server.go_on()
    first["thread"].join(WAIT_SECONDS)
    assert "answer" not in first
    assert _charges() == 0
    answer = customer.pay_until_answered(server, "first-try" if same_key else secrets.token_hex(8))

    assert answer.status == 201, answer
    assert Booking.objects.get(pk=customer.booking.pk).status == BookingStatus.CONFIRMED
    orphan = Payment.objects.filter(booking=customer.booking).earliest("created_at")
    assert (orphan.status, orphan.failure_code) == (PaymentStatus.FAILED, "abandoned")
    assert_database_truth()


def test_database_connection_lost_after_the_charge_a_retry_confirms_the_booking_charged_once(server, customer):
    server.stop_at("after_charge")
    first = customer.pay_in_background(server, "first-try")
    server.wait_until_stopped_at("after_charge")

    assert _terminate_database_connections() >= 1
    server.go_on()
    first["thread"].join(WAIT_SECONDS)
    assert first["answer"].status >= 500, first["answer"]  # it could not record the charge
    # It gave its Idempotency-Key up on a fresh connection: the same key may be sent at once.
    assert not IdempotencyKey.objects.filter(key="first-try").exists()
    answer = customer.pay_until_answered(server, "first-try")

    assert answer.status == 201, answer
    assert Booking.objects.get(pk=customer.booking.pk).status == BookingStatus.CONFIRMED
    assert Payment.objects.filter(booking=customer.booking).count() == 1
    assert_database_truth()
