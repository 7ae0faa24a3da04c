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

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
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


def _send(event: LiveEvent) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "live.event", "event": event.as_message(), "group_id": event.group_id}
    for target in _targets(event):
        try:
            async_to_sync(layer.group_send)(target, message)
        except Exception:
            # Redis down: the write has committed; clients catch up from the database.
            logger.warning("live event %s to %s not delivered", event.type, target, exc_info=True)
    if event.type in PUBLIC_DISPLAY_EVENTS and group_on_public_display(event.group_id):
        try:
            async_to_sync(layer.group_send)(PUBLIC_DISPLAY, {"type": "display.nudge"})
        except Exception:
            logger.warning("public display nudge not delivered", exc_info=True)


def live_event_publish(
    *,
    type: str,
    payload: dict[str, Any],
    group_id: int | None = None,
    post_id: int | None = None,
    recipient_id: int | None = None,
) -> LiveEvent:
    """Store the event in the caller's transaction and send it once that commits."""
    event = LiveEvent.objects.create(
        type=type, payload=payload, group_id=group_id, post_id=post_id, recipient_id=recipient_id
    )
    transaction.on_commit(lambda: _send(event))
    return event


def last_event_id() -> int:
    """The newest event id: a page rendered now has seen everything up to it."""
    return LiveEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
