"""Redis stops while members are posting (DESIGN rule 3): posts are saved with
their live event in the database (for catch-up), pages still load, and when
Redis is back a subscribed socket receives new posts live again.

Both Redis users are pointed at a private redis-server on a free port: the
channel layer and the cache (rate limits, presence). Never the shared Redis.
tests/feed/test_redis_restart.py covers the socket's catch-up after the
restart; this test covers the web requests and the cache during the outage.
"""

from __future__ import annotations

import asyncio
import shutil

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from django.test import Client, override_settings

from community.settings.channels import channel_layer_config
from feed import services
from feed.models import LiveEvent, Post
from tests.factories import UserFactory
from tests.feed.test_redis_restart import PrivateRedis

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio,
    pytest.mark.skipif(
        shutil.which("redis-server") is None, reason="redis-server is not installed"
    ),
]
db = database_sync_to_async


@pytest.fixture(params=["pubsub", "core"])
def private_redis(tmp_path, request):
    redis = PrivateRedis(tmp_path)
    redis.start()
    url = f"redis://127.0.0.1:{redis.port}/0"
    # Both Redis layers Buzz can be configured with (BUZZ_CHANNEL_LAYER).
    layers = {"default": channel_layer_config(url, request.param)}
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "buzz-hardening",
        }
    }
    with override_settings(CHANNEL_LAYERS=layers, CACHES=caches):
        channel_layers.backends.clear()
        yield redis
        channel_layers.backends.clear()
    redis.stop()


def _logged_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


async def test_posting_and_pages_survive_a_redis_outage_and_live_delivery_resumes(
    private_redis, ws_connect
):
    reader, author = await db(UserFactory)(), await db(UserFactory)()
    web = await db(_logged_in)(author)
    socket_, ok, _ = await ws_connect(reader)
    assert ok and (await socket_.receive_json_from(timeout=3))["type"] == "hello"

    response = await db(web.post)("/posts/new/", {"body": "before the outage"})
    assert response.status_code == 302
    assert (await socket_.receive_json_from(timeout=3))["type"] == "post.created"

    private_redis.stop()
    response = await db(web.post)("/posts/new/", {"body": "during the outage"})
    assert response.status_code == 302
    during = await db(Post.objects.get)(body="during the outage")
    assert await db(LiveEvent.objects.filter(post_id=during.pk, type="post.created").exists)()
    for page in ("/", f"/posts/{during.pk}/", "/notifications/"):
        response = await db(web.get)(page)
        assert response.status_code == 200, page
    assert "during the outage" in (await db(web.get)("/")).content.decode()

    private_redis.start()
    channel_layers.backends.clear()  # a fresh connection pool, as a restarted worker has
    await asyncio.sleep(0.2)
    again, ok, _ = await ws_connect(reader)
    assert ok and (await again.receive_json_from(timeout=3))["type"] == "hello"
    after = await db(services.post_create)(actor=author, body="after the outage")
    event = await again.receive_json_from(timeout=3)
    assert (event["type"], event["post"]) == ("post.created", after.pk)
