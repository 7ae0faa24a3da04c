"""Endpoints are https:// only; plain http only to this machine, and only where
the setting allows it (development and tests)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from webhooks.models import DeliveryStatus, Webhook, WebhookEvent
from webhooks.services import webhook_deliveries_retry, webhook_event_emit

from .conftest import make_due, make_webhook

pytestmark = pytest.mark.django_db


def errors_for(url: str, events: object = (WebhookEvent.POST_CREATED,)) -> dict:
    webhook = Webhook(
        name="Bridge", url=url, events=list(events) if isinstance(events, tuple) else events
    )
    with pytest.raises(ValidationError) as caught:
        webhook.full_clean()
    return caught.value.message_dict


def test_https_endpoints_are_accepted():
    Webhook(
        name="Bridge", url="https://hooks.example.com/buzz", events=["post.created"]
    ).full_clean()


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/buzz",
        "http://10.0.0.5/buzz",
        "ftp://hooks.example.com/buzz",
        "https:///no-host",
        "not a url",
    ],
)
def test_anything_but_https_is_refused(url):
    assert "url" in errors_for(url)


def test_local_http_needs_the_setting(settings):
    settings.BUZZ_WEBHOOKS_ALLOW_INSECURE_LOCALHOST = False
    assert "url" in errors_for("http://127.0.0.1:8080/hook")
    assert "url" in errors_for("http://localhost:8080/hook")
    settings.BUZZ_WEBHOOKS_ALLOW_INSECURE_LOCALHOST = True
    Webhook(name="Local", url="http://localhost:8080/hook", events=["post.created"]).full_clean()
    assert "url" in errors_for("http://example.com/hook")


@pytest.mark.parametrize("events", [[], ["post.deleted"], "post.created", None])
def test_events_are_one_or_more_known_ones(events):
    assert "events" in errors_for("https://hooks.example.com/buzz", events)


def test_an_endpoint_that_became_insecure_is_not_called(
    settings, receiver, django_capture_on_commit_callbacks
):
    receiver.statuses = [500]
    make_webhook(receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = webhook_event_emit(event_type=WebhookEvent.MEMBER_JOINED, payload={})
    settings.BUZZ_WEBHOOKS_ALLOW_INSECURE_LOCALHOST = False
    make_due(delivery)
    webhook_deliveries_retry()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.GAVE_UP
    assert len(receiver.requests) == 1
