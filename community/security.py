"""Small request-level security helpers: the client's address, and the two places
whose Content Security Policy differs from settings.SECURE_CSP."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.utils.csp import CSP, build_policy


def client_ip(request: HttpRequest) -> str:
    """The visitor's address. X-Real-IP only when BUZZ_TRUST_X_REAL_IP says a
    proxy sets it: a client could otherwise claim any address."""
    if settings.BUZZ_TRUST_X_REAL_IP and request.META.get("HTTP_X_REAL_IP"):
        return request.META["HTTP_X_REAL_IP"].strip()
    return request.META.get("REMOTE_ADDR", "")


def _set_policy(request: HttpRequest, response: HttpResponse, config: dict) -> None:
    # Django's CSP middleware leaves a header that is already there alone.
    response.headers[str(CSP.HEADER_ENFORCE)] = build_policy(config, get_nonce(request))


class WagtailAdminCSPMiddleware:
    """Wagtail's admin ships inline scripts and style attributes: under
    /cms-admin/ the looser settings.BUZZ_CSP_WAGTAIL_ADMIN applies. A path
    prefix, because Wagtail's own views cannot carry Django's csp_override
    decorator. Sits after ContentSecurityPolicyMiddleware in MIDDLEWARE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/cms-admin/"):
            _set_policy(request, response, settings.BUZZ_CSP_WAGTAIL_ADMIN)
        return response


def kiosk_frame_policy(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The hub wall may be framed by BUZZ_KIOSK_FRAME_ANCESTORS (a signage
    player's page), and only when that is set; otherwise it is as unframeable
    as every other page (frame-ancestors 'none', X-Frame-Options DENY)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        origins = settings.BUZZ_KIOSK_FRAME_ANCESTORS
        if origins:
            _set_policy(request, response, {**settings.SECURE_CSP, "frame-ancestors": origins})
            response.xframe_options_exempt = True  # type: ignore[attr-defined]
        return response

    return wrapped
