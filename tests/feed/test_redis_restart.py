"""Redis restarts mid-session: writes during the outage are kept, live delivery
resumes when Redis is back, and reconnecting clients catch up what they missed.

Runs against a private redis-server on a free port (never the shared one)."""

import asyncio
import shutil
import socket
import subprocess
import time

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from django.test import override_settings

from community.settings.channels import channel_layer_config
from feed import services
from tests.factories import UserFactory
from tests.helpers import closed_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio, pytest.mark.redis]
db = database_sync_to_async
REDIS_SERVER = shutil.which("redis-server")


class PrivateRedis:
    def __init__(self, tmp_path):
        self.port = closed_port()
        self.dir = tmp_path
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(params=["pubsub", "core"])
def private_redis(tmp_path, request):
    if REDIS_SERVER is None:
        pytest.fail("redis-server is not installed (the CI machine has it)")
    redis = PrivateRedis(tmp_path)
    redis.start()
    # Both Redis layers Buzz can be configured with (BUZZ_CHANNEL_LAYER).
    layers = {"default": channel_layer_config(f"redis://127.0.0.1:{redis.port}/0", request.param)}
    with override_settings(CHANNEL_LAYERS=layers):
        channel_layers.backends.clear()
        yield redis
        channel_layers.backends.clear()
    redis.stop()


async def test_delivery_resumes_after_a_redis_restart_and_nothing_is_lost(
    private_redis, ws_connect
):
    reader, author = await db(UserFactory)(), await db(UserFactory)()
    socket_, ok, _ = await ws_connect(reader)
    assert ok and (await socket_.receive_json_from(timeout=3))["type"] == "hello"
    await db(services.post_create)(actor=author, body="before the outage")
    last_seen = (await socket_.receive_json_from(timeout=3))["id"]

    private_redis.stop()
    during = [
        await db(services.post_create)(actor=author, body=f"during the outage {n}")
        for n in range(3)
    ]  # the writes succeed while Redis is down
    private_redis.start()
    channel_layers.backends.clear()  # a fresh connection pool, as a restarted worker has
    await asyncio.sleep(0.2)

    again, ok, _ = await ws_connect(reader)
    assert ok and (await again.receive_json_from(timeout=3))["type"] == "hello"
    await again.send_json_to({"type": "resume", "after": last_seen})
    caught_up = [await again.receive_json_from(timeout=3) for _ in during]
    assert [event["post"] for event in caught_up] == [post.pk for post in during]
    assert await again.receive_nothing(timeout=0.3)

    after = await db(services.post_create)(actor=author, body="after the outage")
    assert (await again.receive_json_from(timeout=3))["post"] == after.pk
