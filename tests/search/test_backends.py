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


@pytest.mark.elasticsearch
@pytest.mark.skipif(not os.environ.get("ELASTICSEARCH_URL"), reason="needs ELASTICSEARCH_URL")
@pytest.mark.django_db
def test_elasticsearch_rebuilds_people_and_posts_and_finds_a_misspelt_name():
    import uuid

    from search.backends.base import MARK_START
    from search.models import DocumentKind
    from search.selectors import content_scope_for
    from search.services import index_rebuild
    from tests.factories import PostFactory, UserFactory

    person = UserFactory(first_name="Marieke", last_name="Verbruggen")
    reader = UserFactory()
    post = PostFactory(author=person, group=None, body="Our kubernetes migration is finished")
    # Indices of their own, so a shared server's real indices are never touched.
    prefix = f"buzz-test-{uuid.uuid4().hex[:10]}"
    with override_settings(ELASTICSEARCH_INDEX_PREFIX=prefix):
        backend = ElasticsearchBackend()
        try:
            assert index_rebuild(DocumentKind.PERSON, backend=backend) >= 2
            assert index_rebuild(DocumentKind.POST, backend=backend) == 1

            matches = backend.people_matches("Marieke Verbrugen", limit=5)
            assert max(matches, key=matches.get) == person.pk
            page = backend.content_search(
                DocumentKind.POST,
                "kubernetes migraton",
                content_scope_for(reader),
                offset=0,
                limit=10,
            )
            assert [hit.object_id for hit in page.hits] == [post.pk]
            assert MARK_START in page.hits[0].snippet
            assert page.facets["group"] == [(None, 1)]
        finally:
            created = backend.client.indices.get(index=f"{prefix}-*").body
            if created:
                backend.client.indices.delete(index=",".join(created))


@pytest.mark.elasticsearch
@pytest.mark.skipif(not os.environ.get("ELASTICSEARCH_URL"), reason="needs ELASTICSEARCH_URL")
@pytest.mark.django_db
def test_relevance_set_passes_on_a_live_elasticsearch():
    import uuid

    from search.models import DocumentKind
    from search.services import index_rebuild
    from tests.search.organisation import build_organisation
    from tests.search.relevance import run_relevance_set

    prefix = f"buzz-test-{uuid.uuid4().hex[:10]}"
    with override_settings(ELASTICSEARCH_INDEX_PREFIX=prefix):
        backend = ElasticsearchBackend()
        try:
            org = build_organisation(backend=backend)
            for kind in DocumentKind.values:
                index_rebuild(kind, backend=backend)  # refreshed: searchable at once
            failures = run_relevance_set(org, backend=backend)
            assert not failures, "\n".join(failures)
        finally:
            created = backend.client.indices.get(index=f"{prefix}-*").body
            if created:
                backend.client.indices.delete(index=",".join(created))
