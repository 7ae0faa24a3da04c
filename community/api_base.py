"""What every app's `api.py` shares: the error envelope, its schemas, and the two
ways to authenticate (the session cookie, personal access tokens).

The NinjaAPI itself is assembled in `community/api.py`, which imports the apps'
routers; the apps import from here, so nothing imports in a circle.

Every error answers in one shape:

    {"error": {"code": "forbidden", "message": "...", "fields": {}}}

`fields` maps a parameter to its messages for validation errors (422) and is
empty otherwise.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from community import ratelimit
from community.services import (
    TOKEN_CACHE_TTL,
    TOKEN_USED_EVERY,
    audit_token_used,
    token_cache_key,
    token_rate_ident,
    token_touched_key,
    token_used_key,
)
from profiles import selectors as profile_selectors
from profiles import services as profile_services
from profiles.models import TOKEN_PREFIX, AccessToken

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The per-minute last_used_at write's cache mark lives as long as its interval.
TOKEN_TOUCHED_EVERY = int(profile_services.TOKEN_TOUCH_INTERVAL.total_seconds())

#: The `code` of an error, by HTTP status, when nothing more precise applies.
DEFAULT_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
}


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    """The body of every error response."""

    error: ErrorDetail


def error_body(
    code: str, message: Any, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def error_example(code: str, message: str, fields=None) -> dict[str, Any]:
    """An OpenAPI `responses` entry with an example of the envelope."""
    return {
        "description": message,
        "content": {"application/json": {"example": error_body(code, message, fields)}},
    }


class ApiError(HttpError):
    """An error with a stable machine-readable `code` (and, for 422, `fields`)."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: Any,
        *,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(status_code, str(message))
        self.code = code
        self.fields = fields or {}


#: Error responses every authenticated operation may give, for `response=`.
AUTH_ERRORS = {401: ErrorOut, 403: ErrorOut}


# --- authentication ----------------------------------------------------------------------


class SessionAuth(NinjaSessionAuth):
    """The Django session cookie, as in the browser. django-ninja checks the CSRF
    token on unsafe methods (csrf=True, the default of cookie auth), exactly like
    Django's middleware: the `X-CSRFToken` header or a `csrfmiddlewaretoken` field."""

    def __call__(self, request: HttpRequest) -> Any:
        user = request.user
        if not user.is_authenticated or not user.is_active:
            # No session: answer 401, not a CSRF failure, and let another
            # method (none after this one) try.
            return None
        try:
            return super().__call__(request)
        except HttpError as exc:
            if exc.status_code == 403:
                raise ApiError(
                    403,
                    "csrf_failed",
                    _(
                        "The CSRF check failed: send the csrftoken cookie's value in "
                        "the X-CSRFToken header, or use a token instead of the session."
                    ),
                ) from None
            raise


class TokenAuth(HttpBearer):
    """`Authorization: Bearer buzz_...`: a personal access token. A token that is
    unknown, revoked, expired or whose member is deactivated is refused (401),
    never silently replaced by the session; a read token is refused (403) on
    unsafe methods."""

    def __call__(self, request: HttpRequest) -> Any:
        scheme, _sep, credentials = request.headers.get(self.header, "").partition(" ")
        if scheme.lower() != self.openapi_scheme:
            return None
        return self.authenticate(request, credentials.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        access, first_use = self.resolve(token)
        if access is None:
            raise ApiError(
                401,
                "invalid_token",
                _("This token is unknown, revoked or expired, or its account is deactivated."),
            )
        audit_token_used(token=access, request=request, first_this_hour=first_use)
        if request.method not in SAFE_METHODS and not access.may_write:
            raise ApiError(
                403,
                "read_only_token",
                _("This token may only read. Create a “read and write” token to change things."),
            )
        # Views and selectors read request.user, however the caller authenticated.
        request.user = access.user
        request.access_token = access  # type: ignore[attr-defined]
        return access.user

    def resolve(self, secret: str) -> tuple[AccessToken | None, bool | None]:
        """The usable token with this secret (profile_selectors.access_token_for_secret),
        counted against the rate limit (RateLimited, a 429, over it) and marked used:
        (the token or None, whether this hour's token-use audit entry is due; None
        when the cache cannot tell).

        From the cache when it holds the token (TOKEN_CACHE_TTL; every change to
        the token, its member, profile or permissions drops it: community.receivers),
        read in the one Redis round trip that counts the request and asks whether
        the hourly audit entry and the per-minute last_used_at write are due.
        Otherwise from the database, then cached. The cache down: the database."""
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
            return None, None
        secret_hash = profile_selectors.access_token_hash(secret)
        ident = token_rate_ident(secret_hash)
        audit_mark = token_used_key(secret_hash)
        cached = ratelimit.check_api_token_cached(
            token_cache_key(secret_hash),
            ident,
            marks=[
                (audit_mark, TOKEN_USED_EVERY),
                (token_touched_key(secret_hash), TOKEN_TOUCHED_EVERY),
            ],
        )
        if cached is not None and cached[0] is not None:
            access, (first_use, touch) = cached
            # An entry lives no longer than its token, but check as the query does.
            if access.is_active() and access.user.is_active:
                if touch:
                    profile_services.token_mark_used(token=access)
                return access, first_use
        access = profile_selectors.access_token_for_secret(secret)
        if access is None:
            return None, None
        if cached is None:  # the cache is down: no limit, the audit asks the database
            profile_services.token_mark_used(token=access)
            return access, None
        first_use = ratelimit.check_api_token(ident, mark=audit_mark, mark_timeout=TOKEN_USED_EVERY)
        profile_services.token_mark_used(token=access)
        timeout = TOKEN_CACHE_TTL
        if access.expires_at is not None:
            timeout = min(timeout, int((access.expires_at - timezone.now()).total_seconds()))
        if timeout > 0:
            try:
                # add(), not set(): a token dropped meanwhile (a tombstone) stays dropped.
                cache.add(token_cache_key(secret_hash), access, timeout=timeout)
            except Exception:
                logger.warning("API token cache unavailable: token not cached", exc_info=True)
        return access, first_use


token_auth = TokenAuth()
session_auth = SessionAuth()
#: The API's default: a token when an Authorization header is sent, else the session.
DEFAULT_AUTH = [token_auth, session_auth]
