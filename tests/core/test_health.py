import pytest


def test_healthz_answers_ok_without_touching_the_database(client):
    # No django_db mark: any query here would raise.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_every_dependency_ok(client, celery_via_broker):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_readyz_answers_503_naming_an_unreachable_broker(client, broker_down):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["broker"] == "failed"
    assert body["checks"]["database"] == "ok"
    assert "broker" in body["failed"]


@pytest.mark.django_db
def test_readyz_answers_503_naming_an_unreachable_cache(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "apps.core.cache.DegradingRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "failed"


def test_metrics_exposes_request_counts_in_prometheus_format(client):
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'flightbook_http_requests_total{method="GET",route="healthz",status="200"}' in text
