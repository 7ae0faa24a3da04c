"""Every write of the webhooks: emitting events, attempting deliveries, retries.

Payloads carry only what any member of an open group may see; the events are
decided through groups.selectors (posts) and the hub's own publish rules, so
closed or secret content never leaves Buzz this way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import html
import http.client
import json
import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from groups.selectors import posts_on_public_display

from . import selectors
from .models import (
    TEST_EVENT,
    DeliveryStatus,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
    validate_webhook_url,
)

logger = logging.getLogger(__name__)

# The wait after failed attempt 1, 2, ...; after attempt MAX_ATTEMPTS it gives up.
BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
TIMEOUT_SECONDS = 5
# A claimed delivery is not picked up again for this long (longer than one
# attempt can take), so a retry run and a queued task never both send it; a
# worker that died mid-attempt is retried after it.
CLAIM = dt.timedelta(minutes=2)
RETRY_BATCH = 500
EXCERPT_CHARS = 200


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256 over "<timestamp>.<body>" (docs/webhooks.md)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def _absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _enqueue(delivery_ids: Iterable[int]) -> None:
    # Late import: tasks imports this module.
    from .tasks import webhook_deliver

    for delivery_id in delivery_ids:
        webhook_deliver.enqueue(delivery_id)


def _deliveries_create(
    hooks: list[Webhook], event_type: str, payload: dict[str, Any]
) -> list[WebhookDelivery]:
    if not hooks:
        return []
    event_id, now = uuid.uuid4(), timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            webhook=hook,
            event_type=event_type,
            event_id=event_id,
            payload=payload,
            next_attempt_at=now,
        )
        for hook in hooks
    )
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: _enqueue(ids))
    return deliveries


def webhook_event_emit(*, event_type: str, payload: dict[str, Any]) -> list[WebhookDelivery]:
    """One delivery per active webhook subscribed to `event_type`, stored in the
    caller's transaction and sent once it commits: nothing leaves for a write
    that rolled back. The caller guarantees the payload is fit for any member
    of an open group."""
    return _deliveries_create(selectors.webhooks_subscribed_to(event_type), event_type, payload)


# --- the events ---------------------------------------------------------------------------


def _excerpt(body_html: str) -> str:
    text = " ".join(html.unescape(strip_tags(body_html)).split())
    return Truncator(text).chars(EXCERPT_CHARS)


def webhook_post_created_emit(*, post) -> list[WebhookDelivery]:
    """post.created, only for posts a public screen may show
    (groups.selectors.posts_on_public_display): open, unarchived groups. Never
    company-wide posts, never closed or secret groups."""
    hooks = selectors.webhooks_subscribed_to(WebhookEvent.POST_CREATED)
    if not hooks or not posts_on_public_display().filter(pk=post.pk).exists():
        return []
    profile = getattr(post.author, "profile", None)
    payload = {
        "post": {
            "id": post.pk,
            "url": _absolute(reverse("feed:post", args=[post.pk])),
            "excerpt": _excerpt(post.body_html),
            "is_question": post.is_question,
            "created_at": post.created_at.isoformat(),
        },
        "group": {
            "slug": post.group.slug,
            "name": post.group.name,
            "url": _absolute(reverse("groups:detail", args=[post.group.slug])),
        },
        "author": {
            "display_name": getattr(profile, "display_name", "") or post.author.get_username()
        },
    }
    return _deliveries_create(hooks, WebhookEvent.POST_CREATED, payload)


def webhook_member_joined_emit(*, user) -> list[WebhookDelivery]:
    """member.joined: a colleague redeemed an invitation. Their name and
    department are in the member directory for everyone."""
    profile = getattr(user, "profile", None)
    department = getattr(profile, "department", None)
    payload = {
        "member": {
            "display_name": getattr(profile, "display_name", "") or user.get_username(),
            "department": department.name if department is not None else None,
        }
    }
    return webhook_event_emit(event_type=WebhookEvent.MEMBER_JOINED, payload=payload)


def webhook_hub_item_published_emit(*, page) -> list[WebhookDelivery]:
    """hub_item.published: a shareable item's first publication, only while it is
    shareable (live, without view restrictions, inside its publish window).
    Republishing an edit is not a new item."""
    from cms.models import ShareableItemPage  # cms imports much; keep it out of import time

    if page.first_published_at is None or page.first_published_at != page.last_published_at:
        return []
    if not ShareableItemPage.objects.shareable().filter(pk=page.pk).exists():
        return []
    payload = {
        "item": {
            "id": page.pk,
            "title": page.title,
            "kind": page.kind,
            "url": page.get_full_url(),
            "canonical_url": page.canonical_url,
        }
    }
    return webhook_event_emit(event_type=WebhookEvent.HUB_ITEM_PUBLISHED, payload=payload)


@transaction.atomic
def webhook_test_send(*, actor, webhook: Webhook) -> WebhookDelivery:
    """Admins check an endpoint with a harmless event; inactive webhooks get nothing."""
    if not (actor.is_active and actor.is_staff):
        raise PermissionDenied(_("Only admins send test events."))
    if not webhook.active:
        raise ValidationError(_("This webhook is inactive."))
    payload = {"webhook": webhook.name, "message": "Buzz says hello."}
    (delivery,) = _deliveries_create([webhook], TEST_EVENT, payload)
    return delivery


# --- delivering ---------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is a failure: following it could leave https or the address
    the admin registered."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _post(delivery: WebhookDelivery, now: dt.datetime) -> tuple[int | None, str]:
    """POST the signed envelope once: (status code or None, error text)."""
    envelope = {
        "id": str(delivery.event_id),
        "type": delivery.event_type,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    body = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()
    timestamp = str(int(now.timestamp()))
    request = urllib.request.Request(
        delivery.webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Buzz-Webhooks/1",
            "X-Buzz-Event": delivery.event_type,
            "X-Buzz-Delivery": str(delivery.event_id),
            "X-Buzz-Timestamp": timestamp,
            "X-Buzz-Signature": webhook_signature(
                secret=delivery.webhook.secret, timestamp=timestamp, body=body
            ),
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code, f"HTTP {exc.code}"
    except urllib.error.URLError as exc:
        return None, str(exc.reason)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"


def _finish(delivery: WebhookDelivery, **fields: Any) -> WebhookDelivery:
    for name, value in fields.items():
        setattr(delivery, name, value)
    delivery.save(update_fields=list(fields))
    return delivery


def webhook_delivery_attempt(*, delivery_id: int) -> WebhookDelivery | None:
    """One attempt at a due delivery. It is claimed first (one UPDATE), so two
    workers never send it at once; the HTTP call runs outside any transaction.
    2xx succeeds; anything else is retried after BACKOFF, until MAX_ATTEMPTS.
    Returns None when the delivery was not due (already sent or claimed)."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status__in=selectors.RETRYABLE, next_attempt_at__lte=now
    ).update(attempt_count=F("attempt_count") + 1, next_attempt_at=now + CLAIM, last_attempt_at=now)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    if not delivery.webhook.active:
        return _finish(
            delivery, status=DeliveryStatus.GAVE_UP, next_attempt_at=None, last_error="inactive"
        )
    try:
        # Checked again: the setting may have changed since the admin saved it.
        validate_webhook_url(delivery.webhook.url)
    except ValidationError:
        return _finish(
            delivery, status=DeliveryStatus.GAVE_UP, next_attempt_at=None, last_error="insecure URL"
        )
    code, error = _post(delivery, now)
    if code is not None and 200 <= code < 300:
        return _finish(
            delivery,
            status=DeliveryStatus.SUCCEEDED,
            last_status_code=code,
            last_error="",
            next_attempt_at=None,
            delivered_at=timezone.now(),
        )
    logger.info("webhook delivery %s failed: %s", delivery.pk, error)
    if delivery.attempt_count >= MAX_ATTEMPTS:
        status, next_attempt_at = DeliveryStatus.GAVE_UP, None
    else:
        status = DeliveryStatus.FAILED
        next_attempt_at = now + BACKOFF[delivery.attempt_count - 1]
    return _finish(
        delivery,
        status=status,
        last_status_code=code,
        last_error=error[:500],
        next_attempt_at=next_attempt_at,
    )


def webhook_deliveries_retry(*, now: dt.datetime | None = None, limit: int = RETRY_BATCH) -> int:
    """Queue the deliveries whose next attempt is due (the scheduler runs this
    every minute). Returns how many were queued."""
    now = now or timezone.now()
    ids = list(selectors.deliveries_due(now=now).values_list("pk", flat=True)[:limit])
    _enqueue(ids)
    return len(ids)
