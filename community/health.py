"""Status of the components the app runs on, for /healthz and operators."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.tasks import task_backends

from search.backends import get_search_backend
from search.selectors import index_lag

CHANNEL_LAYER_TIMEOUT_S = 2.0


def check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "vendor": connection.vendor, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor}


async def _layer_round_trip(layer: Any) -> None:
    channel = await layer.new_channel(prefix="healthz")
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "healthz", "token": token})
    message = await layer.receive(channel)
    if message.get("token") != token:
        raise RuntimeError("channel layer returned another message")


def check_channel_layer() -> dict[str, Any]:
    layer = get_channel_layer()
    backend = type(layer).__name__ if layer else None
    if layer is None:
        return {"ok": False, "backend": None, "error": "no channel layer configured"}

    async def bounded() -> None:
        await asyncio.wait_for(_layer_round_trip(layer), CHANNEL_LAYER_TIMEOUT_S)

    try:
        async_to_sync(bounded)()
    except Exception as exc:
        return {"ok": False, "backend": backend, "error": type(exc).__name__}
    return {"ok": True, "backend": backend}


def check_search() -> dict[str, Any]:
    health = get_search_backend().health()
    result: dict[str, Any] = {"ok": health.ok, "backend": health.backend}
    if health.detail:
        result["detail"] = health.detail
    result["index_lag"] = index_lag()
    return result


def check_tasks() -> dict[str, Any]:
    backend = task_backends["default"]
    name = type(backend).__name__
    if name != "DatabaseBackend":
        return {"ok": True, "backend": name}
    from django_tasks_db.models import DBTaskResult

    try:
        queued = DBTaskResult.objects.filter(status="READY").count()
    except Exception as exc:
        return {"ok": False, "backend": name, "error": type(exc).__name__}
    return {"ok": True, "backend": name, "queued": queued}


def system_health() -> dict[str, Any]:
    components = {
        "database": check_database(),
        "channel_layer": check_channel_layer(),
        "search": check_search(),
        "tasks": check_tasks(),
    }
    return {"ok": all(c["ok"] for c in components.values()), "components": components}
