from typing import Any

from django.http import HttpRequest

from .realtime import last_event_id


def live(request: HttpRequest) -> dict[str, Any]:
    """The newest live event id, for the page's socket to resume from. A
    callable, so the query runs only when a template renders it."""
    return {"last_event_id": last_event_id}
