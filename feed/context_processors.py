from functools import cache
from typing import Any

from django.http import HttpRequest

from .realtime import last_event_id
from .selectors import moderates_something, unread_notification_count


def live(request: HttpRequest) -> dict[str, Any]:
    """The newest live event id, for the page's socket to resume from, and the
    unread notification count. Callables, so their queries run only when a
    template renders them, and once however often it does."""
    return {
        "last_event_id": cache(last_event_id),
        "unread_notifications": cache(lambda: unread_notification_count(request.user)),
        "moderates_something": cache(lambda: moderates_something(request.user)),
    }
