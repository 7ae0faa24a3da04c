"""Shared test helpers: query counting in the Zulip/Baserow manner."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(action: Callable[[], Any]) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries), [q["sql"] for q in captured.captured_queries]


def assert_constant_query_count(action: Callable[[], Any], grow: Callable[[], Any]) -> int:
    """Run `action`, `grow` the data, run it again: the query count must not change.

    A first, uncounted run warms per-process caches (content types, sites) so
    only queries that depend on the data are compared. On failure the SQL of
    both runs is printed, so the extra query is visible.
    """
    action()
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


def closed_port() -> int:
    """A 127.0.0.1 port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def redis_channel_layer_down() -> Iterator[None]:
    """The Redis channel layer pointed at a port where no Redis answers."""
    from channels.layers import channel_layers
    from django.test import override_settings

    from community.settings.channels import channel_layer_config

    layers = {"default": channel_layer_config(f"redis://127.0.0.1:{closed_port()}/0")}
    with override_settings(CHANNEL_LAYERS=layers):
        channel_layers.backends.clear()
        try:
            yield
        finally:
            channel_layers.backends.clear()
