"""Websocket consumer: thin. Authenticate, subscribe, forward; reads go through
feed.selectors (and so through groups.selectors)."""

from __future__ import annotations

from collections import deque
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from community.ratelimit import MessageBudget

from . import selectors, services
from .realtime import COMPANY, group_channel, post_channel, user_group_name

# Close code for "not logged in" (4000-4999 are for applications).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_RATE_LIMITED = 4429
MAX_WATCHED_POSTS = 20
RECENT_IDS = 512


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """One socket per browser tab, at /ws/.

    Client -> server: {"type": "ping"}, {"type": "resume", "after": <last id>},
    {"type": "watch", "post": <id>}, {"type": "read", "posts": [<id>, ...]}.
    Server -> client: "hello", "pong", stored events (each with its "id"),
    "resync" when too much was missed.
    """

    async def connect(self) -> None:
        self.user = self.scope.get("user")
        self.groups_joined: set[str] = set()
        self.member_groups: set[int] = set()
        self.watched: set[int] = set()
        # The ids forwarded last, oldest first, and the same ids as a set: a scan
        # of the deque per event and socket was most of the consumer's cost (B2).
        self.recent: deque[int] = deque(maxlen=RECENT_IDS)
        self.recent_ids: set[int] = set()
        self.budget = MessageBudget(settings.BUZZ_RATE_WS_MESSAGES_PER_SECOND, window=1.0)
        if self.user is None or not self.user.is_authenticated:
            # Accept, then close with our code: a refused handshake reaches the
            # browser as 1006, and live.js would keep retrying a logged-out tab.
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        await self.accept()
        await self._join(user_group_name(self.user.pk))
        await self._join(COMPANY)
        await self._refresh_memberships()
        await database_sync_to_async(services.presence_touch)(user_id=self.user.pk)
        await self.send_json({"type": "hello", "user": self.user.pk})

    async def disconnect(self, code: int) -> None:
        for name in self.groups_joined:
            await self.channel_layer.group_discard(name, self.channel_name)

    async def _join(self, name: str) -> None:
        await self.channel_layer.group_add(name, self.channel_name)
        self.groups_joined.add(name)

    async def _leave(self, name: str) -> None:
        await self.channel_layer.group_discard(name, self.channel_name)
        self.groups_joined.discard(name)

    async def _refresh_memberships(self) -> None:
        """Subscribe to the Buzz groups the member is in now; leave the others
        at once (removal from a group ends delivery)."""
        current = await database_sync_to_async(selectors.member_group_ids)(self.user)
        for gone in self.member_groups - current:
            await self._leave(group_channel(gone))
        for new in current - self.member_groups:
            await self._join(group_channel(new))
        self.member_groups = current

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not self.budget.allow():
            # A flood from one tab: say why, then close; live.js reconnects later.
            await self.send_json(
                {"type": "error", "code": "rate_limited", "message": "Too many messages."}
            )
            await self.close(code=CLOSE_RATE_LIMITED)
            return
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "ping":
            await database_sync_to_async(services.presence_touch)(user_id=self.user.pk)
            await self.send_json({"type": "pong"})
        elif kind == "resume" and isinstance(content.get("after"), int):
            await self._resume(content["after"])
        elif kind == "watch" and isinstance(content.get("post"), int):
            await self._watch(content["post"])
        elif kind == "read" and isinstance(content.get("posts"), list):
            await database_sync_to_async(services.reads_report)(
                actor=self.user, post_ids=content["posts"]
            )

    async def _watch(self, post_id: int) -> None:
        if post_id in self.watched or len(self.watched) >= MAX_WATCHED_POSTS:
            return
        if await database_sync_to_async(selectors.may_watch_post)(self.user, post_id):
            self.watched.add(post_id)
            await self._join(post_channel(post_id))

    async def _resume(self, after: int) -> None:
        missed = await database_sync_to_async(selectors.live_events_missed_by)(
            self.user, after=after, watched_post_ids=set(self.watched)
        )
        if missed is None:
            await self.send_json({"type": "resync"})
            return
        for event in missed:
            await self._forward(event.as_message())

    async def _forward(self, event: dict[str, Any]) -> None:
        event_id = event["id"]
        if event_id in self.recent_ids:  # reached us through two groups, or replayed
            return
        if len(self.recent) == self.recent.maxlen:
            self.recent_ids.discard(self.recent[0])
        self.recent.append(event_id)
        self.recent_ids.add(event_id)
        await self.send_json(event)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels closes stale database connections before every handler, through
        # the process's one sync thread: for a live event that is a thread hop per
        # socket, which serialised a 1,000-member fan-out (B2, docs/benchmarks.md).
        # live_event reads the database only through database_sync_to_async, which
        # closes stale connections itself, before and after.
        if message.get("type") == "live.event":
            await self.live_event(message)
            return
        await super().dispatch(message)

    async def live_event(self, message: dict[str, Any]) -> None:
        event = message["event"]
        if event.get("type") == "membership.changed":
            await self._refresh_memberships()
        group_id = message.get("group_id")
        if group_id is not None and group_id not in self.member_groups:
            # Reached us through a watched post: the group must still be readable.
            allowed = await database_sync_to_async(selectors.may_receive_group_event)(
                self.user, group_id
            )
            if not allowed:
                return
        await self._forward(event)
