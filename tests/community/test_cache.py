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
