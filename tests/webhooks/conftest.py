"""Fixtures for the webhook tests: a real HTTP receiver on 127.0.0.1 and webhooks
pointing at it."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from webhooks.models import Webhook, WebhookDelivery, WebhookEvent


@dataclass
class Received:
    headers: Message
    body: bytes


@dataclass
class Receiver:
    """What the endpoint got, and the status codes it answers with, in order
    (200 once they run out)."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    got = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            got.requests.append(Received(headers=self.headers, body=body))
            status = got.statuses.pop(0) if got.statuses else 200
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.timeout = 5
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    got.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/buzz"
    try:
        yield got
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _allow_local_http(settings) -> None:
    settings.BUZZ_WEBHOOKS_ALLOW_INSECURE_LOCALHOST = True


def make_webhook(url: str, *, events: list[str] | None = None, **fields) -> Webhook:
    webhook = Webhook(
        name=fields.pop("name", "Intranet bridge"),
        url=url,
        events=events if events is not None else list(WebhookEvent.values),
        **fields,
    )
    webhook.full_clean()
    webhook.save()
    return webhook


def make_due(*deliveries: WebhookDelivery) -> None:
    """Time passes: the next attempt of these deliveries is now due."""
    WebhookDelivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )
