"""Mentions typed in another case than the username: matched exactly first (the
unique index), then case-insensitively, which on PostgreSQL runs on the index on
UPPER(username) (profiles migration 0005), never a scan of every member."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feed.rendering import render_body
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INDEX = "profiles_user_username_upper"


def test_a_mention_in_another_case_finds_the_member():
    ann, bob = UserFactory(username="Ann.Smith"), UserFactory(username="bob")
    UserFactory(username="Gone", is_active=False)
    rendered = render_body("Thanks @ann.smith, @BOB and @gone!")
    assert rendered.mentioned_user_ids == sorted([ann.pk, bob.pk])
    assert 'href="/people/ann.smith/"' in rendered.html
    assert "@gone" in rendered.html and "/people/gone/" not in rendered.html


def test_exact_names_take_one_query_and_only_the_rest_a_second():
    UserFactory(username="Ann.Smith")
    UserFactory(username="bob")
    with CaptureQueriesContext(connection) as exact:
        render_body("@bob @BOB")
    with CaptureQueriesContext(connection) as mixed:
        render_body("@bob @ann.smith")
    assert len(exact) == 1
    assert "UPPER(" not in exact.captured_queries[0]["sql"]  # the unique index's IN (...)
    assert len(mixed) == 2


def _case_insensitive_lookup_sql() -> str:
    """The SQL feed.rendering sends for names no username matches exactly."""
    with CaptureQueriesContext(connection) as captured:
        render_body("@ANN and @Bob-X")
    (_exact, lookup) = [q["sql"] for q in captured.captured_queries]
    return lookup


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        return json.dumps(cursor.fetchone()[0])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="expression index: PostgreSQL")
def test_the_expression_index_exists_and_matches_the_lookups_sql():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [INDEX])
        (definition,) = cursor.fetchone()
    assert "upper((username)::text)" in definition.lower()
    sql = _case_insensitive_lookup_sql()
    assert 'UPPER("profiles_user"."username"::text) = UPPER(' in sql
    with connection.cursor() as cursor:
        # A tiny test table is scanned anyway: forbid that to see the index is usable.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = _plan(sql)
        cursor.execute("SET LOCAL enable_seqscan = on")
    assert INDEX in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="expression index: PostgreSQL")
def test_the_planner_chooses_the_index_among_thousands_of_members():
    User = get_user_model()
    User.objects.bulk_create(
        User(username=f"member{n}", email=f"member{n}@buzz.example") for n in range(5000)
    )
    UserFactory(username="Ann")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE profiles_user")
    plan = _plan(_case_insensitive_lookup_sql())
    assert INDEX in plan, plan
    assert '"Node Type": "Seq Scan"' not in plan, plan
