"""The raw ASGI floor: no Django, no Channels, just daphne and this function.

HTTP answers `{"ok": true}`; a websocket is accepted and every message echoed.

    daphne -b 127.0.0.1 -p 8001 bench.raw_asgi:app
"""

from __future__ import annotations

BODY = b'{"ok": true}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope, receive, send) -> None:
    if scope["type"] == "http":
        while (await receive()).get("more_body"):  # drain the request body
            pass
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
        await send({"type": "http.response.body", "body": BODY})
    elif scope["type"] == "websocket":
        while True:
            event = await receive()
            if event["type"] == "websocket.connect":
                await send({"type": "websocket.accept"})
            elif event["type"] == "websocket.receive":
                await send({"type": "websocket.send", **_payload(event)})
            else:  # websocket.disconnect
                return


def _payload(event: dict) -> dict:
    if event.get("text") is not None:
        return {"text": event["text"]}
    return {"bytes": event.get("bytes") or b""}
