"""Outgoing webhooks: endpoints admins register, and one delivery row per event
and endpoint (the durable record that retries work from)."""

from __future__ import annotations

import secrets
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

LOCAL_HOSTS = {"127.0.0.1", "localhost"}


class WebhookEvent(models.TextChoices):
    POST_CREATED = "post.created", _("A post in an open group")
    MEMBER_JOINED = "member.joined", _("A colleague joined through an invitation")
    HUB_ITEM_PUBLISHED = "hub_item.published", _("A hub item was published")


# Sent only by the admin's "send test event" action; nobody subscribes to it.
TEST_EVENT = "webhook.test"


def validate_webhook_url(value: str) -> None:
    """HTTPS only: payloads and signatures never cross a network in clear text.
    Plain http is allowed for 127.0.0.1/localhost only when the setting says so
    (development and tests)."""
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.hostname:
        return
    allow_local = getattr(settings, "BUZZ_WEBHOOKS_ALLOW_INSECURE_LOCALHOST", False)
    if parts.scheme == "http" and allow_local and parts.hostname in LOCAL_HOSTS:
        return
    raise ValidationError(_("Use an https:// address."), code="insecure_url")


def validate_events(value: object) -> None:
    known = set(WebhookEvent.values)
    if not isinstance(value, list) or not value or not set(value) <= known:
        raise ValidationError(_("Choose one or more events."), code="invalid_events")


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Webhook(models.Model):
    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("URL"), max_length=500, validators=[validate_webhook_url])
    events = models.JSONField(_("events"), default=list, validators=[validate_events])
    secret = models.CharField(
        _("signing secret"),
        max_length=64,
        default=new_secret,
        editable=False,
        help_text=_("The receiver checks X-Buzz-Signature with this secret."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed, will retry")
    GAVE_UP = "gave_up", _("Gave up")


class WebhookDelivery(models.Model):
    webhook = models.ForeignKey(
        Webhook, verbose_name=_("webhook"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event_type = models.CharField(_("event"), max_length=64)
    # Shared by the deliveries of one event and kept across retries: receivers
    # deduplicate on it (X-Buzz-Delivery).
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, editable=False)
    payload = models.JSONField(_("payload"))
    attempt_count = models.PositiveSmallIntegerField(_("attempts"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhooks_due_idx"),
            models.Index(fields=["webhook", "-created_at"], name="webhooks_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.webhook_id} ({self.status})"
