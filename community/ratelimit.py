"""Rate limits: fixed-window counters in Django's cache (Redis when REDIS_URL is
set, local memory otherwise), counted atomically, on Redis in one round trip
(community.cache.count_and_add).

When the cache fails (Redis down) the limit is skipped with a warning: members
keep posting (DESIGN rule 3). Logins are the exception: their failures are
counted in the audit log in the database (community.selectors.login_lockout_seconds).

A fixed window lets a burst of up to twice the limit straddle a window boundary;
for limits meant against floods and scripts, one cheap key per window is worth it.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.cache import count_and_add, read_count_and_mark

logger = logging.getLogger(__name__)

#: The time source of every window; tests replace it instead of sleeping.
clock = time.time


class RateLimited(Exception):
    """Too many of something: try again in `retry_after` seconds. The web
    middleware below and the API's exception handler turn it into a 429 with
    Retry-After."""

    def __init__(self, retry_after: int, message: str) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))
        self.message = message


# Tests give every test its own prefix, so counters never carry over between tests.
KEY_PREFIX = "ratelimit"


def wait_text(seconds: int) -> str:
    """ "5 seconds" under two minutes, "12 minutes" beyond."""
    if seconds < 120:
        return ngettext("%(n)s second", "%(n)s seconds", seconds) % {"n": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}


@dataclass(frozen=True)
class _Window:
    """The fixed window `clock()` falls in, and the counter key for it."""

    key: str
    now: float
    start: int
    length: int

    def refusal(self, message: str) -> RateLimited:
        retry_after = max(1, math.ceil(self.start + self.length - self.now))
        return RateLimited(retry_after, message % {"wait": wait_text(retry_after)})


def _window(scope: str, ident: object, length: int) -> _Window:
    now = clock()
    start = int(now // length) * length
    return _Window(f"{KEY_PREFIX}:{scope}:{ident}:{start}", now, start, length)


def hit(
    scope: str,
    ident: object,
    *,
    limit: int,
    window: int,
    message: str,
    amount: int = 1,
    mark: str | None = None,
    mark_timeout: int = 0,
) -> bool | None:
    """Count `amount` against `scope` for `ident` in the current window; raise
    RateLimited once the count exceeds `limit`. `message` may use %(wait)s.

    `mark`, a cache key, is cache.add()ed for `mark_timeout` seconds in the same
    Redis round trip: the answer is returned (None when not asked or the cache
    is down). A refused hit does not keep its mark."""
    current = _window(scope, ident, window)
    try:
        count, marked = count_and_add(
            caches["default"],
            current.key,
            amount=amount,
            timeout=window + 5,
            mark=mark,
            mark_timeout=mark_timeout,
        )
    except Exception:
        logger.warning("rate limit %s not checked: the cache is unavailable", scope, exc_info=True)
        return None
    if count > limit:
        if marked:
            # As if the mark had been asked after the check, as it was before.
            with contextlib.suppress(Exception):
                cache.delete(mark)
        raise current.refusal(message)
    return marked


def check_post(user) -> None:
    hit(
        "post",
        user.pk,
        limit=settings.BUZZ_RATE_POSTS_PER_MINUTE,
        window=60,
        message=_("You are posting very fast. Please wait %(wait)s before posting again."),
    )


def check_comment(user) -> None:
    hit(
        "comment",
        user.pk,
        limit=settings.BUZZ_RATE_COMMENTS_PER_MINUTE,
        window=60,
        message=_("You are commenting very fast. Please wait %(wait)s before commenting again."),
    )


def check_invites(user, *, count: int) -> None:
    hit(
        "invite",
        user.pk,
        limit=settings.BUZZ_RATE_INVITES_PER_HOUR,
        window=3600,
        amount=count,
        message=_("You have sent many invitations in the last hour. Please wait %(wait)s."),
    )


API_TOKEN_WINDOW = 60  # seconds: BUZZ_RATE_API_PER_MINUTE


def check_api_token(
    token_id: int, *, mark: str | None = None, mark_timeout: int = 0
) -> bool | None:
    """Count a request with this token; `mark` as in hit() (the audit log's
    once-an-hour key for token use rides along in the same round trip)."""
    return hit(
        "api-token",
        token_id,
        limit=settings.BUZZ_RATE_API_PER_MINUTE,
        window=API_TOKEN_WINDOW,
        message=_("Too many requests with this token. Try again in %(wait)s."),
        mark=mark,
        mark_timeout=mark_timeout,
    )


def check_api_token_cached(
    key: str, token_ident: object, *, marks: Sequence[tuple[str, int]] = ()
) -> tuple[Any, list[bool]] | None:
    """The API token cached at `key` and, in the same round trip and only when
    there is one, check_api_token()'s count and cache.add() of each (key,
    timeout) of `marks`: (the token, whether each mark was added), (None, [])
    when nothing is cached (nothing counted), None when the cache is down.
    A refused hit keeps none of its marks."""
    current = _window("api-token", token_ident, API_TOKEN_WINDOW)
    try:
        value, count, added = read_count_and_mark(
            caches["default"], key, current.key, amount=1, timeout=API_TOKEN_WINDOW + 5, marks=marks
        )
    except Exception:
        logger.warning("API token cache unavailable: rate limit not checked", exc_info=True)
        return None
    if count is not None and count > settings.BUZZ_RATE_API_PER_MINUTE:
        with contextlib.suppress(Exception):
            cache.delete_many([mark for (mark, _t), new in zip(marks, added, strict=True) if new])
        raise current.refusal(_("Too many requests with this token. Try again in %(wait)s."))
    return value, added


class MessageBudget:
    """At most `limit` messages in any `window` seconds, for one websocket
    connection: in memory, since the connection lives in one process."""

    def __init__(self, limit: int, window: float = 1.0) -> None:
        self.limit = limit
        self.window = window
        self.times: deque[float] = deque()

    def allow(self) -> bool:
        now = clock()
        while self.times and self.times[0] <= now - self.window:
            self.times.popleft()
        if len(self.times) >= self.limit:
            return False
        self.times.append(now)
        return True


def too_many_requests(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = render(request, "429.html", {"message": exc.message}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


class RateLimitMiddleware:
    """A RateLimited from any view or service becomes the 429 page."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RateLimited):
            return too_many_requests(request, exception)
        return None
