"""ELASTICSEARCH_URL picks the backend; both report their health without raising."""

import os

import pytest
from django.test import override_settings

from search.backends import get_search_backend
from search.backends.database import DatabaseBackend
from search.backends.elasticsearch import ElasticsearchBackend
from tests.helpers import closed_port


@pytest.mark.django_db
def test_database_backend_is_the_embedded_default_and_answers():
    with override_settings(SEARCH_BACKEND="search.backends.database.DatabaseBackend"):
        get_search_backend.cache_clear()
        backend = get_search_backend()
    assert isinstance(backend, DatabaseBackend)
    health = backend.health()
    assert health.ok
    assert health.detail in {"sqlite", "postgresql"}


def test_elasticsearch_backend_reports_a_server_that_is_down_without_raising():
    backend = ElasticsearchBackend(url=f"http://127.0.0.1:{closed_port()}", timeout=1)
    health = backend.health()
    assert (health.ok, health.backend, health.detail) == (False, "elasticsearch", "ConnectionError")


@pytest.mark.elasticsearch
@pytest.mark.skipif(not os.environ.get("ELASTICSEARCH_URL"), reason="needs ELASTICSEARCH_URL")
def test_elasticsearch_backend_answers_a_live_server():
    health = ElasticsearchBackend().health()
    assert health.ok, health
