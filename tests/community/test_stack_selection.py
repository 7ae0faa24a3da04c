"""The environment selects the real engines; the default is the embedded stack.

`make test` runs the suite twice: once with nothing set, once with DATABASE_URL
and REDIS_URL. These tests prove each leg really runs on what it claims.
"""

import os

import pytest
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.tasks import task_backends


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="the embedded leg only")
def test_embedded_default_runs_on_sqlite():
    assert connection.vendor == "sqlite"


@pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="the PostgreSQL leg only")
@pytest.mark.django_db
def test_database_url_leg_really_runs_on_postgresql():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert int(cursor.fetchone()[0].split(".")[0]) >= 14


@pytest.mark.skipif(bool(os.environ.get("REDIS_URL")), reason="the embedded leg only")
def test_embedded_default_uses_the_in_memory_channel_layer():
    assert type(get_channel_layer()).__name__ == "InMemoryChannelLayer"


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="the Redis leg only")
def test_redis_url_leg_really_uses_redis_for_channels_and_cache():
    layer = get_channel_layer()
    assert type(layer).__name__ == "RedisPubSubChannelLayer"  # the default (B2)
    # Trap: redis-py 8 would otherwise close idle websockets after 5 s.
    assert settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["socket_timeout"] is None
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")


def test_default_task_backend_is_immediate():
    assert type(task_backends["default"]).__name__ == "ImmediateBackend"


def test_search_backend_follows_elasticsearch_url():
    expected = "elasticsearch" if os.environ.get("ELASTICSEARCH_URL") else "database"
    assert settings.SEARCH_BACKEND.rsplit(".", 1)[1].lower().startswith(expected)
