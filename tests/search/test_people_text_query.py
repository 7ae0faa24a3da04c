"""People's text match on PostgreSQL asks for each lexeme once: the same people,
but a query PostgreSQL estimates well enough to use the GIN index."""

import pytest
from django.db import connection

from search.backends.database import DatabaseBackend, _pg_any, _pg_any_deduplicated
from search.models import DocumentKind, SearchDocument
from search.services import outbox_drain
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full text"),
]

TERM_SETS = [
    ["cobol", "site", "reliability"],  # english and dutch stems differ from the word
    ["the", "data"],  # an English stop word
    ["data", "scientists"],
    ["x", "ops"],  # a single letter has no prefix
    ["sitemaps"],
]


@pytest.fixture
def people():
    titles = [
        "Site reliability engineer",
        "COBOL developer",
        "Data scientist",
        "The data platform lead",
        "Sitemaps and SEO",
        "DevOps coach",
        "Chief of staff",
    ]
    for title in titles:
        user = UserFactory()
        user.profile.job_title = title
        user.profile.save()
    outbox_drain()


def _matches(query) -> set[int]:
    return set(
        SearchDocument.objects.filter(kind=DocumentKind.PERSON, search_vector=query).values_list(
            "object_id", flat=True
        )
    )


@pytest.mark.parametrize("terms", TERM_SETS)
def test_deduplicated_text_query_finds_exactly_the_same_people(people, terms):
    found = _matches(_pg_any_deduplicated(terms))
    assert found == _matches(_pg_any(terms, prefix=True))
    if terms != ["x", "ops"]:
        assert found  # the fixture has someone for each set: the test compares something


def test_deduplicated_text_query_names_each_lexeme_once_and_no_exact_one_a_prefix_covers():
    query = _pg_any_deduplicated(["cobol", "site", "reliability"])
    _sql, params = SearchDocument.objects.filter(search_vector=query).query.sql_with_params()
    (text,) = [param for param in params if isinstance(param, str) and ":*" in param]
    parts = text.split(" | ")
    assert len(parts) == len(set(parts))
    assert {"'cobol':*", "'site':*", "'reliability':*"} <= set(parts)
    assert "'cobol'" not in parts and "'site'" not in parts  # the prefixes match them
    assert "'sit'" in parts and "'reliabl'" in parts  # stems the prefixes would miss


def test_people_text_match_ranks_the_whole_phrase_first_and_still_finds_prefixes(people):
    engineer = SearchDocument.objects.get(
        kind=DocumentKind.PERSON, title__isnull=False, body__icontains="Site reliability"
    )
    seo = SearchDocument.objects.get(kind=DocumentKind.PERSON, body__icontains="Sitemaps")
    matches = DatabaseBackend().people_matches("site reliability", limit=10)
    assert next(iter(matches)) == engineer.object_id
    assert seo.object_id in matches  # "site" is also a prefix of "sitemaps"
