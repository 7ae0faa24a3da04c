"""The one module that publishes live events, always after commit.

Every event is first stored as a LiveEvent row in the writer's transaction (the
database is the truth for catch-up), then sent on commit through the channel
layer to the channel-layer groups whose sockets may receive it:

    grp.<group id>   sockets of the Buzz group's members
    company          every socket (company-wide posts)
    post.<post id>   sockets of pages watching one post (checked on join)
    user.<user id>   every tab of one member

One group_send per channel-layer group: channels_redis delivers to all of a
group's channels in one round trip per Redis shard, not one per recipient.
Nothing is pushed for a write that rolled back, and a channel layer that is
down never fails the write: clients catch up from the database.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

from groups.selectors import group_on_public_display

from .models import LiveEvent

logger = logging.getLogger(__name__)

COMPANY = "company"
# The hub wall's sockets: they get a content-free nudge and fetch what they may
# show over HTTP (cms.selectors.wall_content), so nothing else can leak to them.
PUBLIC_DISPLAY = "display"
PUBLIC_DISPLAY_EVENTS = {"post.created", "post.deleted"}


def user_group_name(user_id: int) -> str:
    return f"user.{user_id}"


def group_channel(group_id: int) -> str:
    return f"grp.{group_id}"


def post_channel(post_id: int) -> str:
    return f"post.{post_id}"


def _targets(event: LiveEvent) -> list[str]:
    if event.recipient_id is not None:
        return [user_group_name(event.recipient_id)]
    targets = [group_channel(event.group_id) if event.group_id else COMPANY]
    if event.post_id is not None:
        targets.append(post_channel(event.post_id))
    return targets


def _send(event: LiveEvent, on_public_display: bool | None = None) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "live.event", "event": event.as_message(), "group_id": event.group_id}
    sends: list[tuple[str, dict[str, Any], str]] = [
        (target, message, f"live event {event.type} to {target} not delivered")
        for target in _targets(event)
    ]
    if event.type in PUBLIC_DISPLAY_EVENTS:
        if on_public_display is None:
            on_public_display = group_on_public_display(event.group_id)
        if on_public_display:
            sends.append(
                (PUBLIC_DISPLAY, {"type": "display.nudge"}, "public display nudge not delivered")
            )
    _run_sends(layer, sends)


#: How long a write waits for its event to reach Redis; the event is in the
#: database whatever happens, so a stuck send is given up, never waited on.
SEND_TIMEOUT_SECONDS = 5
_loop: asyncio.AbstractEventLoop | None = None
_loop_pid = 0
_loop_lock = threading.Lock()


def _publisher_loop() -> asyncio.AbstractEventLoop:
    """One event loop per process, in its own thread, for the sends of sync code.
    async_to_sync outside an ASGI server (tasks, commands, the benchmark) runs a
    new loop per call, so the Redis layer opened a new connection for every
    event (5 ms, against 0.5 ms on a kept one). Made again after a fork."""
    global _loop, _loop_pid
    with _loop_lock:
        if _loop is None or _loop_pid != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="live-publisher", daemon=True).start()
            _loop, _loop_pid = loop, os.getpid()
        return _loop


def _run_sends(layer, sends: list[tuple[str, dict[str, Any], str]]) -> None:
    # Whatever goes wrong here, the write has committed: clients catch up from
    # the database, so a failure is logged and never raised.
    if isinstance(layer, InMemoryChannelLayer):
        # Its queues belong to the consumers' loop and are not thread-safe.
        try:
            async_to_sync(_group_send_all)(layer, sends)
        except Exception:  # e.g. called from a thread that runs an event loop
            logger.warning("live events to %s not delivered", [s[0] for s in sends], exc_info=True)
        return
    future = asyncio.run_coroutine_threadsafe(_group_send_all(layer, sends), _publisher_loop())
    try:
        future.result(timeout=SEND_TIMEOUT_SECONDS)
    except TimeoutError:
        future.cancel()
        logger.warning("live events to %s not delivered in time", [s[0] for s in sends])
    except Exception:
        logger.warning("live events to %s not delivered", [s[0] for s in sends], exc_info=True)


async def _group_send_all(layer, sends: list[tuple[str, dict[str, Any], str]]) -> None:
    for target, message, failure in sends:
        try:
            await layer.group_send(target, message)
        except Exception:
            # Redis down: the write has committed; clients catch up from the database.
            logger.warning(failure, exc_info=True)


def live_event_publish(
    *,
    type: str,
    payload: dict[str, Any],
    group_id: int | None = None,
    post_id: int | None = None,
    recipient_id: int | None = None,
    on_public_display: bool | None = None,
) -> LiveEvent:
    """Store the event in the caller's transaction and send it once that commits.
    `on_public_display`: whether the group is on the hub wall, when the caller
    already knows it (groups.selectors.group_on_public_display); else it is
    looked up at send time."""
    event = LiveEvent.objects.create(
        type=type, payload=payload, group_id=group_id, post_id=post_id, recipient_id=recipient_id
    )
    transaction.on_commit(lambda: _send(event, on_public_display))
    return event


def last_event_id() -> int:
    """The newest event id: a page rendered now has seen everything up to it."""
    return LiveEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
