"""Records the "visit" participation event: once a day per member, on the
first page they open, so daily active members count people who only read."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .models import EventKind
from .services import event_record

SESSION_KEY = "buzz_visit_day"
NOT_PAGES = ("/static/", "/media/", "/api/", "/healthz", "/ws/", "/s/")


class VisitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.method == "GET"
            and response.status_code == 200
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
            and not request.headers.get("HX-Request")
            and not request.path.startswith(NOT_PAGES)
        ):
            today = timezone.localdate().isoformat()
            # The session remembers the day: one session write a day, not a query a page.
            if request.session.get(SESSION_KEY) != today:
                event_record(actor=request.user, kind=EventKind.VISIT)
                request.session[SESSION_KEY] = today
        return response
