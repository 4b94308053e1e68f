"""PostgreSQL stops under a running server and comes back: clients are told to retry
(503 `service_unavailable` with Retry-After), never shown a 500, and the same server
answers again once the database is back, without a restart."""

from __future__ import annotations

import subprocess
import threading

import psycopg
import pytest

from tests.conftest import wait_for
from tests.factories import FareClassFactory
from tests.faults.conftest import database_url, production_env
from tests.faults.servers import PostgresCluster

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cluster():
    cluster = PostgresCluster().init()
    yield cluster
    cluster.destroy()


def _copy_test_database(cluster: PostgresCluster, dbname: str) -> None:
    """The test database, schema and rows, into the cluster (faster than migrating)."""
    with psycopg.connect(cluster.url("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    dump = subprocess.run(  # noqa: S603 - fixed argv
        ["pg_dump", "--no-owner", "--no-privileges", database_url()],  # noqa: S607 - PostgreSQL's client on PATH
        capture_output=True,
        check=True,
        timeout=120,
    )
    subprocess.run(  # noqa: S603 - fixed argv
        ["psql", "--quiet", "--set", "ON_ERROR_STOP=1", cluster.url(dbname)],  # noqa: S607
        input=dump.stdout,
        capture_output=True,
        check=True,
        timeout=120,
    )


def test_database_restart_answers_503_with_retry_after_then_the_same_server_recovers(cluster, redis_server, serve):
    flight = FareClassFactory().flight
    _copy_test_database(cluster, "flightbook")
    server = serve(production_env(database=cluster.url("flightbook"), redis=redis_server.url(0)))
    api_path = f"/api/v1/flights/{flight.pk}/"
    page_path = f"/flights/status/?flight_number={flight.flight_number}&date={flight.departure_date.isoformat()}"
    assert server.request("GET", api_path).status == 200
    gunicorn_pid = server.process.pid

    # A client keeps asking while the database goes down and comes back.
    statuses: list[int | str] = []
    done = threading.Event()

    def keep_asking() -> None:
        while not done.is_set():
            try:
                statuses.append(server.request("GET", api_path).status)
            except OSError as exc:  # no answer at all is a failure too
                statuses.append(repr(exc))

    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        cluster.stop(mode="immediate")  # connections cut as in a crash

        api = server.request("GET", api_path)
        assert api.status == 503
        assert api.headers["content-type"] == "application/problem+json"
        assert api.json()["code"] == "service_unavailable"
        assert int(api.headers["retry-after"]) > 0

        page = server.request("GET", page_path)
        assert page.status == 503
        assert page.headers["content-type"].startswith("text/html")
        assert int(page.headers["retry-after"]) > 0
        assert b"try again" in page.body

        # A browser with a session: the session is read in middleware, before any view.
        with_session = server.request("GET", "/", headers={"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"})
        assert with_session.status == 503
        assert int(with_session.headers["retry-after"]) > 0

        assert server.request("GET", "/healthz", headers={"Cookie": "sessionid=abcdefghijklmnop"}).status == 200
        ready = server.request("GET", "/readyz")
        assert ready.status == 503
        assert ready.json()["failed"] == ["database"]

        cluster.start()
        wait_for(lambda: server.request("GET", api_path).status == 200, timeout=30)
    finally:
        done.set()
        asker.join()

    # The same gunicorn answers again: no restart was needed.
    assert server.process.pid == gunicorn_pid
    assert server.process.poll() is None
    page = server.request("GET", page_path)
    assert page.status == 200
    assert flight.flight_number.encode() in page.body
    assert server.request("GET", "/readyz").status == 200
    # Every answer the client got was the flight or "retry shortly", never an error.
    assert set(statuses) <= {200, 503}
    assert 503 in statuses
