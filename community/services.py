"""Writes of the community app: the audit log."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from .cache import TOMBSTONE
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


def token_used_key(secret_hash: str) -> str:
    """The cache key that says a token's use was recorded this hour."""
    # By the secret's hash, not the token's id: the API's one round trip asks
    # for it before it knows the id (and ids are reused in test databases).
    return f"audit:token-used:{secret_hash[:32]}"


# --- the API token cache ----------------------------------------------------------------

#: How long a resolved API token (with its member, profile and department) may
#: be served from the cache. Every change that matters drops it at once
#: (token_cache_forget); the TTL only bounds what no write path announces
#: (a department's new name) and a cache that failed while one was dropped.
TOKEN_CACHE_TTL = 30


def token_cache_key(secret_hash: str) -> str:
    return f"api-token:{secret_hash}"


def token_touched_key(secret_hash: str) -> str:
    """The cache key that says a token's last_used_at was written this minute."""
    return f"api-token-touched:{secret_hash[:32]}"


def token_rate_ident(secret_hash: str) -> str:
    """Who the API rate limit counts: the token, by its hash (see token_used_key)."""
    return secret_hash[:32]


def token_cache_forget(*, secret_hashes: list[str]) -> None:
    """Stop serving these tokens from the cache: now, and again once the
    transaction commits (a request that read the old rows before the commit
    cannot have put them back by then). A tombstone, not a delete: the cache is
    refilled only with cache.add(), which a tombstone refuses for
    TOKEN_CACHE_TTL, so a request that read the rows before the change cannot
    store them after it. A failing cache is logged: it serves nothing then."""
    if not secret_hashes:
        return
    keys = {token_cache_key(secret_hash): TOMBSTONE for secret_hash in secret_hashes}

    def forget() -> None:
        try:
            cache.set_many(keys, timeout=TOKEN_CACHE_TTL)
        except Exception:
            logger.error("API token cache: could not drop %d tokens", len(keys), exc_info=True)

    if transaction.get_connection().in_atomic_block:
        forget()
    transaction.on_commit(forget)


def token_cache_forget_member(*, user_id: int) -> None:
    """Stop serving any of this member's tokens from the cache (the member's
    account, roles, profile or permissions changed)."""
    from profiles.models import AccessToken  # profiles imports this module

    token_cache_forget(
        secret_hashes=list(
            AccessToken.objects.filter(user_id=user_id).values_list("secret_hash", flat=True)
        )
    )


def audit_token_used(*, token, request: HttpRequest, first_this_hour: bool | None = None) -> None:
    """Record an API token's use at most once an hour per token: the cache says
    whether this hour's entry exists, the database when the cache is down.
    `first_this_hour` is the answer of the cache.add() of token_used_key() when
    the caller made it already (the API's rate limit does, in its round trip)."""
    if first_this_hour is None:
        try:
            first_this_hour = cache.add(
                token_used_key(token.secret_hash), 1, timeout=TOKEN_USED_EVERY
            )
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
