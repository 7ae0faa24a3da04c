"""/ws/: one socket per tab, session-authenticated, origin-checked; events only after commit."""

import asyncio
import os

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.db import transaction

from feed.consumers import CLOSE_UNAUTHENTICATED
from feed.realtime import publish_to_user_on_commit
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def make_user():
    return await database_sync_to_async(UserFactory)()


async def test_logged_in_member_connects_and_is_greeted(ws_connect):
    user = await make_user()
    communicator, connected, _ = await ws_connect(user)
    assert connected
    assert await communicator.receive_json_from(timeout=2) == {"type": "hello", "user": user.pk}
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=2) == {"type": "pong"}


async def test_anonymous_socket_is_closed_as_unauthenticated(ws_connect):
    communicator, connected, _ = await ws_connect(None)
    assert connected  # accepted, so the browser sees our close code and stops retrying
    closed = await communicator.receive_output(timeout=2)
    assert closed["type"] == "websocket.close"
    assert closed["code"] == CLOSE_UNAUTHENTICATED


async def test_socket_from_a_foreign_origin_is_refused(ws_connect):
    user = await make_user()
    _communicator, connected, _ = await ws_connect(user, origin="https://evil.example")
    assert not connected


async def test_event_published_in_a_committed_write_reaches_only_its_user(ws_connect):
    ann, bob = await make_user(), await make_user()
    ann_socket, _, _ = await ws_connect(ann)
    bob_socket, _, _ = await ws_connect(bob)
    await ann_socket.receive_json_from(timeout=2)
    await bob_socket.receive_json_from(timeout=2)

    @sync_to_async
    def write():
        with transaction.atomic():
            publish_to_user_on_commit(ann.pk, {"type": "test.event", "id": 1})

    await write()
    assert await ann_socket.receive_json_from(timeout=2) == {"type": "test.event", "id": 1}
    assert await bob_socket.receive_nothing(timeout=0.3)


async def test_nothing_is_pushed_for_a_write_that_rolled_back(ws_connect):
    ann = await make_user()
    socket, _, _ = await ws_connect(ann)
    await socket.receive_json_from(timeout=2)

    @sync_to_async
    def failed_write():
        try:
            with transaction.atomic():
                publish_to_user_on_commit(ann.pk, {"type": "test.event", "id": 2})
                raise RuntimeError("constraint violated")
        except RuntimeError:
            pass

    await failed_write()
    assert await socket.receive_nothing(timeout=0.5)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs real Redis (the PG/Redis leg)")
async def test_idle_socket_survives_longer_than_redis_socket_timeout(ws_connect):
    """redis-py 8's 5 s default socket_timeout would kill idle sockets (STACK-NOTES trap 1)."""
    ann = await make_user()
    socket, _, _ = await ws_connect(ann)
    await socket.receive_json_from(timeout=2)
    await asyncio.sleep(6.5)

    @sync_to_async
    def write():
        with transaction.atomic():
            publish_to_user_on_commit(ann.pk, {"type": "test.event", "id": 3})

    await write()
    assert await socket.receive_json_from(timeout=3) == {"type": "test.event", "id": 3}
