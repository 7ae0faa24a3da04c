"""The Redis cache keeps its redis-py clients instead of building one per call."""

import os

import pytest
from django.core.cache import caches

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="the Redis leg only")


def test_redis_cache_reuses_one_client_per_pool_and_still_works():
    cache = caches["default"]
    assert type(cache).__module__ == "community.cache"
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is client
    cache.set("buzz-test-cache-key", 41)
    assert cache.incr("buzz-test-cache-key") == 42
    assert cache.get("buzz-test-cache-key") == 42
    cache.delete("buzz-test-cache-key")


def test_requests_on_new_threads_share_one_redis_connection():
    """Django builds a cache backend per context, and daphne serves every request
    in a new context on a new thread: each used to open its own pool and a new
    TCP connection to Redis (B6: 400 requests, 401 connections)."""
    import threading

    backends = []

    def request() -> None:  # what one request under daphne does with the cache
        backend = caches.create_connection("default")
        backend.set("buzz-test-thread-key", 1)
        assert backend.get("buzz-test-thread-key") == 1
        backends.append(backend)

    for _ in range(10):
        thread = threading.Thread(target=request)
        thread.start()
        thread.join()
    assert len({id(backend) for backend in backends}) == 10  # Django's own instances
    pools = {id(backend._cache.get_client(write=True).connection_pool) for backend in backends}
    assert len(pools) == 1
    pool = backends[0]._cache.get_client(write=True).connection_pool
    assert pool._created_connections == 1  # one after another: the same connection
    backends[0].delete("buzz-test-thread-key")
