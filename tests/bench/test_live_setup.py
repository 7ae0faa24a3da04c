"""B2 live fan-out (bench/live.py): the deterministic parts. Sessions made by the
benchmark log a socket in through the real ASGI app, BUZZ_CHANNEL_LAYER picks the
layer, lost deliveries are counted, and a live event reaches a socket without a
hop to the sync thread. No timings are asserted."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections import deque
from pathlib import Path

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from bench import live
from community.settings.channels import channel_layer_config
from feed.consumers import CLOSE_UNAUTHENTICATED
from groups.models import Visibility
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent.parent


# --- the BUZZ_CHANNEL_LAYER switch ---------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "backend"),
    [
        ("core", "channels_redis.core.RedisChannelLayer"),
        ("pubsub", "channels_redis.pubsub.RedisPubSubChannelLayer"),
    ],
)
def test_layer_switch_selects_the_backend_with_no_socket_timeout(kind, backend):
    config = channel_layer_config("redis://127.0.0.1:6379/12", kind, "bench")
    assert config["BACKEND"] == backend
    assert config["CONFIG"]["hosts"] == [
        {"address": "redis://127.0.0.1:6379/12", "socket_timeout": None}
    ]
    assert config["CONFIG"]["prefix"] == "bench"


def test_unknown_layer_name_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="BUZZ_CHANNEL_LAYER"):
        channel_layer_config("redis://127.0.0.1:6379/12", "rabbit")


def _settings_in_a_fresh_process(**env: str) -> str:
    code = (
        "from django.conf import settings; layer = settings.CHANNEL_LAYERS['default'];"
        "print(layer['BACKEND'], layer.get('CONFIG', {}).get('prefix'))"
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BUZZ_CHANNEL")}
    environ |= {"DJANGO_SETTINGS_MODULE": "community.settings", **env}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_environment_picks_the_layer_pubsub_by_default():
    redis = {"REDIS_URL": "redis://127.0.0.1:6379/12"}
    assert (
        _settings_in_a_fresh_process(**redis)
        == "channels_redis.pubsub.RedisPubSubChannelLayer buzz"
    )
    assert (
        _settings_in_a_fresh_process(**redis, BUZZ_CHANNEL_LAYER="core", BUZZ_CHANNEL_PREFIX="b2")
        == "channels_redis.core.RedisChannelLayer b2"
    )


# --- measuring ------------------------------------------------------------------------


def test_aggregate_counts_missing_deliveries_as_lost_and_times_the_last_recipient():
    sent = {1: 10.0, 2: 10.0, 3: 10.0}
    # post 2 missed one socket, post 3 every socket
    arrivals = {1: (3, 10.001, 10.004), 2: (2, 10.010, 10.050)}
    latency = live.aggregate(sent, arrivals, recipients=3)
    assert latency.posts == 3
    assert latency.expected == 9
    assert latency.lost == 1 + 3
    assert latency.samples == [pytest.approx(4.0)]
    assert latency.first == [pytest.approx(1.0), pytest.approx(10.0)]


def test_arrivals_from_client_processes_add_up_keeping_first_and_last_times():
    merged = live.merge_arrivals({1: (2, 1.0, 5.0), 2: (1, 6.0, 6.0)}, {1: (3, 0.5, 4.0)})
    assert merged == {1: (5, 0.5, 5.0), 2: (1, 6.0, 6.0)}


def test_quantiles_of_one_or_no_sample():
    assert live.Latency(posts=1, expected=1, lost=0, samples=[7.0]).p99 == 7.0
    assert str(live.Latency(posts=0, expected=0, lost=0).p50) == "nan"


def test_pinning_gives_each_daphne_process_a_cpu(monkeypatch):
    monkeypatch.setattr(live.shutil, "which", lambda name: f"/usr/bin/{name}")
    assert live.pin_plan(2)[:2] == (["0", "1"], [None, None])
    assert live.pin_plan(4)[:2] == (["0", "1"], ["2", "3"])
    assert live.pin_plan(1)[:2] == ([None, None], [None, None])
    monkeypatch.setattr(live.shutil, "which", lambda name: None)
    assert live.pin_plan(4)[2] == "no pinning"


# --- data and sessions --------------------------------------------------------------------


@pytest.mark.django_db
def test_live_group_gets_exactly_its_members_once():
    group = live.ensure_live_group(3)
    again = live.ensure_live_group(3)
    assert again.pk == group.pk
    assert group.slug == "bench-live-3"
    assert group.visibility == Visibility.OPEN
    usernames = sorted(group.members.values_list("username", flat=True))
    assert len(usernames) == 3
    assert all(name.startswith("user") and name[4:].isdigit() for name in usernames)


async def _open(cookie: str) -> tuple[WebsocketCommunicator, dict]:
    from asgi import application

    headers = [
        (b"origin", b"http://127.0.0.1"),
        (b"host", b"127.0.0.1"),
        (b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()),
    ]
    communicator = WebsocketCommunicator(application, "/ws/", headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    return communicator, await communicator.receive_output(timeout=5)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_benchmark_session_logs_a_socket_in_through_the_asgi_app():
    user = await database_sync_to_async(UserFactory)()
    [key] = await database_sync_to_async(live.member_sessions)([user], settings.SECRET_KEY)
    communicator, first = await _open(key)
    try:
        assert first["type"] == "websocket.send"
        assert '"hello"' in first["text"] and f'"user": {user.pk}' in first["text"]
    finally:
        with contextlib.suppress(Exception):
            await communicator.disconnect(timeout=2)
        from django.db import connections

        await database_sync_to_async(connections.close_all)()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_session_signed_with_another_key_is_not_logged_in():
    user = await database_sync_to_async(UserFactory)()
    [key] = await database_sync_to_async(live.member_sessions)([user], "another-key-" * 5)
    communicator, first = await _open(key)
    try:
        assert (first["type"], first["code"]) == ("websocket.close", CLOSE_UNAUTHENTICATED)
    finally:
        with contextlib.suppress(Exception):
            await communicator.disconnect(timeout=2)
        from django.db import connections

        await database_sync_to_async(connections.close_all)()


# --- the consumer's per-event path --------------------------------------------------------


def _bare_consumer(sent: list, *, window: int = 4):
    from feed.consumers import LiveConsumer

    socket = LiveConsumer()
    socket.member_groups = {7}
    socket.recent, socket.recent_ids = deque(maxlen=window), set()

    async def base_send(message):
        sent.append(message)

    socket.base_send = base_send
    return socket


def _live(event_id: int) -> dict:
    event = {"id": event_id, "type": "post.created", "post": event_id}
    return {"type": "live.event", "event": event, "group_id": 7}


@pytest.mark.asyncio
async def test_live_event_is_forwarded_without_a_hop_to_the_sync_thread(monkeypatch):
    """Channels' default dispatch closes stale database connections through the
    sync thread before every handler: per socket and event, which serialised B2's
    fan-out. Live events skip it (their database reads close connections themselves)."""
    from channels import consumer as channels_consumer

    hops = []

    async def counting_close() -> None:
        hops.append(1)

    monkeypatch.setattr(channels_consumer, "aclose_old_connections", counting_close)
    sent: list = []
    await _bare_consumer(sent).dispatch(_live(41))
    assert hops == []
    assert len(sent) == 1 and '"post": 41' in sent[0]["text"]


@pytest.mark.asyncio
async def test_an_event_is_forwarded_once_within_the_recent_window():
    sent: list = []
    socket = _bare_consumer(sent, window=4)
    for event_id in (1, 1, 2, 3, 4, 2):  # 1 and 2 arrive twice (two groups)
        await socket.dispatch(_live(event_id))
    assert len(sent) == 4
    await socket.dispatch(_live(5))  # pushes 1 out of the window of 4
    await socket.dispatch(_live(1))
    assert len(sent) == 6
    assert list(socket.recent) == [3, 4, 5, 1]
    assert socket.recent_ids == {3, 4, 5, 1}


def _phase(stack: str, size: int, p99: float, lost: int = 0) -> live.Phase:
    latency = live.Latency(posts=2, expected=2 * size, lost=lost, samples=[p99, p99])
    latency.first = [1.0, 1.0]
    return live.Phase(
        stack=stack,
        size=size,
        rate=10,
        latency=latency,
        seconds=1.0,
        client_cpu=[0.1, 0.1],
        daphne_cpu=[0.2, 0.95],
        machine_cpu=0.5,
        connected=size,
        failed=0,
    )


def test_report_states_each_target_and_the_layer_with_fewer_losses():
    phases = [
        _phase("raw", 20, 4.0),
        _phase("core", 20, 30.0),
        _phase("pubsub", 20, 10.0),
        _phase("raw", 1000, 50.0),
        _phase("core", 1000, 90.0, lost=3),
        _phase("pubsub", 1000, 120.0),
    ]
    text = live.render(phases, seconds=1, pinning="no pinning")
    assert text.startswith("### B2 live fan-out")
    assert "| 1000 | 10 | pubsub | 2 | 1.0 |" in text
    assert "daphne saturated" in text
    assert "- 20 members, 10/s, core: p99 missed by 10.0 ms" in text
    assert "- 20 members, 10/s, pubsub: p99 met" in text
    assert "- 1000 members, 10/s, core: p99 met (90.0 ms <= 100 ms); 0 lost: missed by 3" in text
    assert "p99 <= 3x raw: missed by 4.5x (7.5x > 3x)" in text  # core at 20: 30 / 4
    assert "Layer choice: **pubsub**" in text
