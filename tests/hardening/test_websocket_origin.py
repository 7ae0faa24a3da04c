"""Websockets opened from another site's page are refused: the member's live
socket (/ws/, session cookie) and the hub wall's (/ws/wall/?token=), even with
valid credentials. A same-site socket with the same credentials connects, so
the refusal is the origin's doing."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.test import override_settings

from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

KIOSK_TOKEN = "restaurant-screen-hardening"
FOREIGN_ORIGINS = [
    "https://evil.example",
    "http://127.0.0.1.evil.example",
    "http://localhost.evil.example:8000",
    "null",
]


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
async def test_member_socket_from_a_foreign_origin_is_refused(ws_connect, origin):
    member = await database_sync_to_async(UserFactory)()
    _socket, connected, _code = await ws_connect(member, origin=origin)
    assert not connected
    _same_site, connected, _code = await ws_connect(member)
    assert connected


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
async def test_wall_socket_from_a_foreign_origin_is_refused_even_with_the_kiosk_token(
    ws_connect, origin
):
    with override_settings(BUZZ_KIOSK_TOKEN=KIOSK_TOKEN):
        path = f"/ws/wall/?token={KIOSK_TOKEN}"
        _socket, connected, _code = await ws_connect(origin=origin, path=path)
        assert not connected
        _same_site, connected, _code = await ws_connect(path=path)
        assert connected
