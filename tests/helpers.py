"""Shared test helpers: query counting in the Zulip/Baserow manner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(action: Callable[[], Any]) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries), [q["sql"] for q in captured.captured_queries]


def assert_constant_query_count(action: Callable[[], Any], grow: Callable[[], Any]) -> int:
    """Run `action`, `grow` the data, run it again: the query count must not change.

    On failure the SQL of both runs is printed, so the extra query is visible.
    """
    before, before_sql = count_queries(action)
    grow()
    after, after_sql = count_queries(action)
    assert before == after, (
        f"query count grew from {before} to {after} with more rows:\n"
        + "\n".join(f"  before: {sql}" for sql in before_sql)
        + "\n"
        + "\n".join(f"  after:  {sql}" for sql in after_sql)
    )
    return after
