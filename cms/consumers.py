"""The hub wall's socket: no login, the kiosk token instead; it only ever
receives a content-free nudge, and the page fetches what it may show."""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from feed.realtime import PUBLIC_DISPLAY

from .selectors import kiosk_token_valid

CLOSE_BAD_TOKEN = 4403


class WallConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        query = parse_qs(self.scope.get("query_string", b"").decode())
        token = (query.get("token") or [""])[0]
        await self.accept()
        if not kiosk_token_valid(token):
            await self.close(code=CLOSE_BAD_TOKEN)
            return
        await self.channel_layer.group_add(PUBLIC_DISPLAY, self.channel_name)
        self.joined = True
        await self.send_json({"type": "hello"})

    async def disconnect(self, code: int) -> None:
        if getattr(self, "joined", False):
            await self.channel_layer.group_discard(PUBLIC_DISPLAY, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def display_nudge(self, message: dict) -> None:
        await self.send_json({"type": "refresh"})
