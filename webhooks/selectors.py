"""Reads with rules: which endpoints get an event, which deliveries are due."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from .models import DeliveryStatus, Webhook, WebhookDelivery

RETRYABLE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


def webhooks_subscribed_to(event_type: str) -> list[Webhook]:
    """Active webhooks that chose `event_type`. Filtered in Python: JSON
    containment differs between SQLite and PostgreSQL, and there are few rows."""
    return [hook for hook in Webhook.objects.filter(active=True) if event_type in hook.events]


def deliveries_due(*, now: dt.datetime) -> QuerySet[WebhookDelivery]:
    """Deliveries waiting for an attempt whose time has come, oldest first."""
    return WebhookDelivery.objects.filter(status__in=RETRYABLE, next_attempt_at__lte=now).order_by(
        "next_attempt_at", "pk"
    )
