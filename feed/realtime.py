"""The one module that publishes live events, always after commit.

Events are documented dicts (docs/realtime-events.md). Services call
`publish_to_user_on_commit`; nothing is pushed for a write that rolled back,
and a channel layer that is down never fails the write (the database stays the
truth for catch-up).
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def user_group_name(user_id: int) -> str:
    """The channel-layer group every open tab of one user listens on."""
    return f"user.{user_id}"


def _send(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "live.event", "event": event})
    except Exception:
        # Redis down: the write has committed; reconnecting clients catch up
        # from the database.
        logger.warning("live event %s to %s not delivered", event.get("type"), group, exc_info=True)


def publish_to_user_on_commit(user_id: int, event: dict[str, Any]) -> None:
    transaction.on_commit(lambda: _send(user_group_name(user_id), event))
