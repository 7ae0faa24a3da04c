"""The Redis cache backend: Django's, keeping its redis-py clients."""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _ClientKeepingCacheClient(RedisCacheClient):
    """Django builds a new redis.Redis for every cache call (~0.25 ms each; a
    rate-limited API request makes three: B6's profile). A client over a
    connection pool is thread-safe, so keep one per pool."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(write)
            )
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ClientKeepingCacheClient


def count_and_add(
    backend: Any,
    counter: str,
    *,
    amount: int,
    timeout: int,
    mark: str | None = None,
    mark_timeout: int = 0,
) -> tuple[int, bool | None]:
    """Add `amount` to the integer at `counter` (made with `timeout` seconds when
    missing) and, when `mark` is given, cache.add() it for `mark_timeout`
    seconds: (the new count, whether `mark` was added; None when not asked).

    On Redis in one round trip, a MULTI/EXEC, where Django's calls take three
    (add, then incr's EXISTS + INCRBY) and a fourth for the mark; the counter is
    made and incremented atomically, so it never lives without its expiry.
    Other backends (local memory in tests) through the ordinary cache calls.
    Cache errors propagate to the caller."""
    if not isinstance(backend, RedisCache):
        backend.add(counter, 0, timeout=timeout)
        try:
            count = backend.incr(counter, amount)
        except ValueError:  # the key expired between add and incr
            backend.set(counter, amount, timeout=timeout)
            count = amount
        added = backend.add(mark, 1, timeout=mark_timeout) if mark is not None else None
        return count, added
    # Keys and values as Django's own add/incr write them (small ints are stored raw).
    counter_key = backend.make_and_validate_key(counter)
    pipe = backend._cache.get_client(counter_key, write=True).pipeline(transaction=True)
    pipe.set(counter_key, 0, ex=backend.get_backend_timeout(timeout), nx=True)
    pipe.incrby(counter_key, amount)
    if mark is not None:
        mark_key = backend.make_and_validate_key(mark)
        pipe.set(mark_key, 1, ex=backend.get_backend_timeout(mark_timeout), nx=True)
    replies = pipe.execute()
    return int(replies[1]), (bool(replies[2]) if mark is not None else None)
