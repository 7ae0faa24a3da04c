"""/healthz reports every component the app runs on, and says 503 when one is down."""

import pytest
from django.test import override_settings

from search.backends import get_search_backend
from tests.helpers import closed_port, redis_channel_layer_down


@pytest.mark.django_db
def test_healthz_reports_every_component_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert set(body["components"]) == {"database", "channel_layer", "search", "tasks"}
    assert all(component["ok"] for component in body["components"].values())
    assert body["components"]["search"]["backend"] == get_search_backend().name
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_healthz_says_503_when_elasticsearch_is_down(client):
    url = f"http://127.0.0.1:{closed_port()}"
    with override_settings(
        ELASTICSEARCH_URL=url,
        SEARCH_BACKEND="search.backends.elasticsearch.ElasticsearchBackend",
        ELASTICSEARCH_TIMEOUT=1,
    ):
        get_search_backend.cache_clear()
        response = client.get("/healthz")
    assert response.status_code == 503
    search = response.json()["components"]["search"]
    assert search == {
        "ok": False,
        "backend": "elasticsearch",
        "detail": "ConnectionError",
        "index_lag": {"pending": 0, "retrying": 0, "oldest_seconds": 0},
    }
    assert response.json()["components"]["database"]["ok"] is True


@pytest.mark.django_db
def test_healthz_reports_how_far_the_search_index_lags(client):
    from datetime import timedelta

    from django.utils import timezone

    from search.models import IndexOutbox

    IndexOutbox.objects.create(
        kind="post", object_id=1, created_at=timezone.now() - timedelta(minutes=2)
    )
    IndexOutbox.objects.create(kind="post", object_id=2, attempts=3)
    lag = client.get("/healthz").json()["components"]["search"]["index_lag"]
    assert (lag["pending"], lag["retrying"]) == (2, 1)
    assert 119 <= lag["oldest_seconds"] < 180


@pytest.mark.django_db
def test_healthz_says_503_when_redis_is_down(client):
    with redis_channel_layer_down():
        response = client.get("/healthz")
    assert response.status_code == 503
    layer = response.json()["components"]["channel_layer"]
    assert layer["ok"] is False
    assert layer["backend"] == "RedisPubSubChannelLayer"


@pytest.mark.django_db
def test_healthz_reports_the_database_task_queue(client):
    tasks = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    with override_settings(TASKS=tasks):  # django.tasks resets its backends on this signal
        response = client.get("/healthz")
    assert response.json()["components"]["tasks"] == {
        "ok": True,
        "backend": "DatabaseBackend",
        "queued": 0,
    }
