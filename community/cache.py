"""The Redis cache backend: Django's, keeping its redis-py clients."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.functional import cached_property


class _ClientKeepingCacheClient(RedisCacheClient):
    """Django builds a new redis.Redis for every cache call (~0.25 ms each; a
    rate-limited API request makes three: B6's profile). A client over a
    connection pool is thread-safe, so keep one per pool."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}
        self._lock = threading.Lock()

    def _get_connection_pool(self, write: bool) -> Any:
        with self._lock:  # one pool per server, whichever thread asks first
            return super()._get_connection_pool(write)

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(write)
            )
        return client


# The cache clients of this process, by servers and options. Django builds a
# cache backend per context (every request under daphne is a new one, on a new
# thread), and each backend its own client and pool: a new TCP connection to
# Redis with redis-py's handshake, and a read of redis-py's package metadata,
# on every request (B6: 400 requests, 401 connections, ~2 ms of CPU each).
# A pool resets itself in a forked child (redis-py checks the pid).
_clients: dict[tuple[str, ...], _ClientKeepingCacheClient] = {}
_clients_lock = threading.Lock()


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ClientKeepingCacheClient

    @cached_property
    def _cache(self) -> _ClientKeepingCacheClient:
        key = (*self._servers, repr(sorted(self._options.items())))
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client


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


# Read a key and, only when it holds a value, count and mark as count_and_add
# does: a Lua script, so a miss (an unknown token) leaves no counter or marks.
_READ_COUNT_MARK = """
local value = redis.call('GET', KEYS[1])
if (not value) or value == ARGV[3] then return {value} end
redis.call('SET', KEYS[2], 0, 'EX', ARGV[1], 'NX')
local result = {value, redis.call('INCRBY', KEYS[2], ARGV[2])}
for i = 3, #KEYS do
  result[i] = redis.call('SET', KEYS[i], 1, 'EX', ARGV[i + 1], 'NX') and 1 or 0
end
return result
"""

#: What read_count_and_mark() treats as no value: written in place of a cached
#: entry that must not be used (and, through cache.add(), not refilled) for a while.
TOMBSTONE = 0


def read_count_and_mark(
    backend: Any,
    key: str,
    counter: str,
    *,
    amount: int,
    timeout: int,
    marks: Sequence[tuple[str, int]] = (),
) -> tuple[Any, int | None, list[bool]]:
    """cache.get(key); when it holds a value other than TOMBSTONE, add `amount`
    to `counter` and cache.add() each (mark, timeout) of `marks`, as count_and_add:
    (the value, the new count, whether each mark was added), or (None, None, [])
    without touching `counter` or `marks`. On Redis in one round trip (EVALSHA).
    Cache errors propagate to the caller."""
    if not isinstance(backend, RedisCache):
        value = backend.get(key)
        if value is None or value == TOMBSTONE:
            return None, None, []
        count, _added = count_and_add(backend, counter, amount=amount, timeout=timeout)
        return value, count, [bool(backend.add(m, 1, timeout=t)) for m, t in marks]
    client = backend._cache
    keys = [backend.make_and_validate_key(k) for k in (key, counter, *(m for m, _t in marks))]
    args = [backend.get_backend_timeout(timeout), amount, TOMBSTONE]
    args += [backend.get_backend_timeout(t) for _m, t in marks]
    redis = client.get_client(keys[0], write=True)
    # redis-py's Script: EVALSHA, loading the script once if missing; kept on the
    # process's shared client (a backend instance lives for one request).
    script = getattr(redis, "_buzz_read_count_mark", None)
    if script is None:
        script = redis._buzz_read_count_mark = redis.register_script(_READ_COUNT_MARK)
    reply = script(keys=keys, args=args, client=redis)
    if reply[0] is None or reply[0] == str(TOMBSTONE).encode():
        return None, None, []
    value = client._serializer.loads(reply[0])
    return value, int(reply[1]), [bool(added) for added in reply[2:]]
