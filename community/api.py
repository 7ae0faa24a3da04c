"""The public API, version 1, mounted at /api/v1/ (issue 10).

One NinjaAPI; each app contributes a Router from its own `api.py`. OpenAPI 3 at
/api/v1/openapi.json and interactive docs at /api/v1/docs, served from
django-ninja's own static files (`ninja` is in INSTALLED_APPS): no CDN.

Every error, from any router, is the envelope of community.api_base:
`{"error": {"code", "message", "fields"}}`. Authentication is a personal access
token (`Authorization: Bearer buzz_...`) or the session cookie (with CSRF on
unsafe methods); see docs/api.md.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import Swagger

from cms.api import router as hub_router
from feed.api import router as feed_router
from feed.api_notifications import router as notifications_router
from groups.api import router as groups_router
from invites.api import router as invitations_router
from metrics.api import router as metrics_router
from profiles.api import router as profiles_router

from .api_base import DEFAULT_AUTH, DEFAULT_CODES, error_body
from .pagination import InvalidCursor
from .ratelimit import RateLimited

logger = logging.getLogger(__name__)

DESCRIPTION = """\
The Buzz API. Authenticate with a personal access token (create one under
*People → your profile → API tokens*) in `Authorization: Bearer buzz_...`, or
with the browser session (unsafe methods then need the `X-CSRFToken` header).

Every error has one shape: `{"error": {"code": "...", "message": "...", "fields": {}}}`;
`fields` names the parameters that are not valid (422).
"""

api = NinjaAPI(
    title="Buzz API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=DEFAULT_AUTH,
    # validatorUrl: Swagger UI would otherwise fetch a badge from validator.swagger.io.
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
)


# --- one error shape everywhere -------------------------------------------------------


def _respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    response = api.create_response(request, body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="Buzz"'
    return response


def _field_name(loc: list[Any]) -> str:
    # ("query", "since") -> "since"; ("body", "payload", "name") -> "name".
    path = [str(part) for part in loc[1:]]
    if loc and loc[0] == "body" and len(path) > 1:
        path = path[1:]
    return ".".join(path) or "__all__"


def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        fields.setdefault(_field_name(list(error.get("loc", []))), []).append(str(error["msg"]))
    return _respond(
        request, 422, error_body("invalid", _("Some parameters are not valid."), fields)
    )


def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = getattr(exc, "code", None) or DEFAULT_CODES.get(exc.status_code, "error")
    if exc.status_code == 401 and code == "unauthenticated":
        message: Any = _("Log in, or send a token in the Authorization header (Bearer buzz_...).")
    else:
        message = exc.message
    return _respond(
        request, exc.status_code, error_body(code, message, getattr(exc, "fields", None))
    )


def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _respond(request, 404, error_body("not_found", _("Not found.")))


def on_permission_denied(request: HttpRequest, exc: Exception) -> HttpResponse:
    message = str(exc) or _("You may not do this.")
    return _respond(request, 403, error_body("forbidden", message))


def on_django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    # A service refused the input: its messages, per field where it says so.
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return _respond(request, 422, error_body("invalid", " ".join(exc.messages), fields))


def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    # As Django's own handler does: error reporters and the test client hear of it.
    got_request_exception.send(sender=None, request=request)
    return _respond(request, 500, error_body("server_error", _("Something went wrong.")))


def on_invalid_cursor(request: HttpRequest, exc: InvalidCursor) -> HttpResponse:
    # Every keyset-paginated list: a cursor from another list (or forged) is a 422.
    fields = {"cursor": [_("This cursor does not belong to this list.")]}
    return _respond(
        request, 422, error_body("invalid", _("Some parameters are not valid."), fields)
    )


def on_rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = _respond(request, 429, error_body("rate_limited", exc.message))
    response["Retry-After"] = str(exc.retry_after)
    return response


api.add_exception_handler(RateLimited, on_rate_limited)
api.add_exception_handler(InvalidCursor, on_invalid_cursor)
api.add_exception_handler(NinjaValidationError, on_validation_error)
api.add_exception_handler(HttpError, on_http_error)
api.add_exception_handler(Http404, on_not_found)
api.add_exception_handler(PermissionDenied, on_permission_denied)
api.add_exception_handler(DjangoValidationError, on_django_validation_error)
api.add_exception_handler(Exception, on_unexpected)


# --- the apps' routers ------------------------------------------------------------------

api.add_router("", profiles_router)
api.add_router("/metrics/", metrics_router)
api.add_router("", notifications_router)
api.add_router("", invitations_router)
api.add_router("", hub_router)
api.add_router("", groups_router)
api.add_router("", feed_router)

# Last: any other path under /api/v1/ is a 404 in the envelope, not an HTML page.
_unknown = Router()


@_unknown.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False
)
def unknown_path(request: HttpRequest, rest: str):
    raise Http404(rest)


api.add_router("", _unknown)
