"""Writes of the community app: the audit log."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from .models import AuditAction, AuditEntry
from .security import client_ip

logger = logging.getLogger(__name__)

USER_AGENT_MAX = 255
TOKEN_USED_EVERY = 60 * 60


def _ip_or_none(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return client_ip(request) or None


def audit_record(
    *,
    actor,
    action: str,
    request: HttpRequest | None = None,
    username: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit log: who (may be nobody), what, from which
    address and browser (when a request is at hand), and details as JSON.
    Inside the caller's transaction: an action that rolls back leaves no entry."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if not username and actor is not None:
        username = actor.get_username()
    user_agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        username=username[:150],
        ip=_ip_or_none(request),
        user_agent=user_agent[:USER_AGENT_MAX],
        detail=detail or {},
    )


def token_used_key(token) -> str:
    """The cache key that says a token's use was recorded this hour."""
    # The hash part keeps keys unique even where ids are reused (test databases).
    return f"audit:token-used:{token.pk}:{token.secret_hash[:16]}"


def audit_token_used(*, token, request: HttpRequest, first_this_hour: bool | None = None) -> None:
    """Record an API token's use at most once an hour per token: the cache says
    whether this hour's entry exists, the database when the cache is down.
    `first_this_hour` is the answer of the cache.add() of token_used_key() when
    the caller made it already (the API's rate limit does, in its round trip)."""
    if first_this_hour is None:
        try:
            first_this_hour = cache.add(token_used_key(token), 1, timeout=TOKEN_USED_EVERY)
        except Exception:
            logger.warning("audit: the cache is unavailable, asking the database", exc_info=True)
            since = timezone.now() - dt.timedelta(seconds=TOKEN_USED_EVERY)
            first_this_hour = not AuditEntry.objects.filter(
                action=AuditAction.TOKEN_USED, detail__token=token.pk, at__gte=since
            ).exists()
    if first_this_hour:
        audit_record(
            actor=token.user,
            action=AuditAction.TOKEN_USED,
            request=request,
            detail={"token": token.pk, "name": token.name, "method": request.method},
        )
