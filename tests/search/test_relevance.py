"""The relevance set on the database backend: SQLite FTS5 on the SQLite leg of
`make test`, PostgreSQL full text + pg_trgm on the PostgreSQL leg."""

import pytest
from django.db import connection

from search.backends.database import DatabaseBackend
from tests.search.organisation import build_organisation
from tests.search.relevance import relevance_query_count, run_relevance_set

pytestmark = pytest.mark.django_db


def test_relevance_set_passes_on_the_database_backend():
    backend = DatabaseBackend()
    org = build_organisation(backend=backend)
    failures = run_relevance_set(org, backend=backend)
    print(
        f"relevance ({connection.vendor}): {relevance_query_count() - len(failures)}"
        f"/{relevance_query_count()} queries as expected"
    )
    assert not failures, "\n".join(failures)
