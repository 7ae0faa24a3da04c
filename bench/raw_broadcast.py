"""The raw ASGI broadcast that B2 (bench/live.py) compares Buzz's fan-out with.

No Django, no Channels: each daphne process subscribes once to one Redis pub/sub
channel (redis.asyncio) and forwards every message, as it came, to all of its open
websockets. Every socket gets a "hello" once accepted, like Buzz's consumer.

    REDIS_URL=redis://127.0.0.1:6379/12 BUZZ_RAW_CHANNEL=bench-raw \\
        daphne -p 8001 bench.raw_broadcast:application
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

from redis import asyncio as aioredis

Send = Callable[[dict[str, Any]], Awaitable[None]]

_sockets: set[Send] = set()
_subscriber: asyncio.Task | None = None


async def _forward_published() -> None:
    client = aioredis.from_url(os.environ["REDIS_URL"], socket_timeout=None)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(os.environ.get("BUZZ_RAW_CHANNEL", "bench-raw"))
    async for message in pubsub.listen():
        text = message["data"].decode()
        # The floor: one write per socket, no per-socket task or queue in between.
        for send in list(_sockets):
            await send({"type": "websocket.send", "text": text})


async def application(scope: dict[str, Any], receive, send: Send) -> None:
    global _subscriber
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["type"] != "websocket":
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    if (await receive())["type"] != "websocket.connect":
        return
    if _subscriber is None:
        _subscriber = asyncio.ensure_future(_forward_published())
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": json.dumps({"type": "hello"})})
    _sockets.add(send)
    try:
        while (await receive())["type"] != "websocket.disconnect":
            pass
    finally:
        _sockets.discard(send)
