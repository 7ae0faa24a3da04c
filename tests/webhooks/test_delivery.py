"""Delivering to a real endpoint on 127.0.0.1: signed, retried with backoff,
given up after the last attempt, never sent twice."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.core.management import call_command

from tests.helpers import closed_port
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from webhooks.services import (
    BACKOFF,
    MAX_ATTEMPTS,
    webhook_deliveries_retry,
    webhook_delivery_attempt,
    webhook_event_emit,
)

from .conftest import make_due, make_webhook

pytestmark = pytest.mark.django_db

PAYLOAD = {"member": {"display_name": "Anna de Vries", "department": "Finance"}}


def emit(capture, event_type: str = WebhookEvent.MEMBER_JOINED) -> list[WebhookDelivery]:
    with capture(execute=True):
        deliveries = webhook_event_emit(event_type=event_type, payload=PAYLOAD)
    for delivery in deliveries:
        delivery.refresh_from_db()
    return deliveries


def test_receiver_verifies_the_signature_with_the_shared_secret(
    receiver, django_capture_on_commit_callbacks
):
    webhook = make_webhook(receiver.url)
    (delivery,) = emit(django_capture_on_commit_callbacks)

    (got,) = receiver.requests
    timestamp = got.headers["X-Buzz-Timestamp"]
    expected = hmac.new(
        webhook.secret.encode(), timestamp.encode() + b"." + got.body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(got.headers["X-Buzz-Signature"], f"sha256={expected}")
    assert got.headers["X-Buzz-Event"] == "member.joined"
    assert got.headers["X-Buzz-Delivery"] == str(delivery.event_id)
    assert got.headers["Content-Type"] == "application/json"
    envelope = json.loads(got.body)
    assert envelope["id"] == str(delivery.event_id)
    assert envelope["type"] == "member.joined"
    assert envelope["data"] == PAYLOAD
    assert (delivery.status, delivery.attempt_count, delivery.last_status_code) == (
        DeliveryStatus.SUCCEEDED,
        1,
        200,
    )
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None


def test_a_wrong_secret_does_not_verify(receiver, django_capture_on_commit_callbacks):
    make_webhook(receiver.url)
    emit(django_capture_on_commit_callbacks)
    (got,) = receiver.requests
    forged = hmac.new(
        b"not-the-secret", got.headers["X-Buzz-Timestamp"].encode() + b"." + got.body, "sha256"
    ).hexdigest()
    assert got.headers["X-Buzz-Signature"] != f"sha256={forged}"


def test_a_500_is_retried_with_backoff_until_it_succeeds(
    receiver, django_capture_on_commit_callbacks
):
    receiver.statuses = [500, 503]
    make_webhook(receiver.url)
    (delivery,) = emit(django_capture_on_commit_callbacks)
    assert (delivery.status, delivery.last_status_code, delivery.attempt_count) == (
        DeliveryStatus.FAILED,
        500,
        1,
    )
    assert delivery.next_attempt_at - delivery.last_attempt_at == BACKOFF[0]

    make_due(delivery)
    call_command("webhooks_retry", verbosity=0)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code, delivery.attempt_count) == (
        DeliveryStatus.FAILED,
        503,
        2,
    )
    assert delivery.next_attempt_at - delivery.last_attempt_at == BACKOFF[1]

    make_due(delivery)
    call_command("webhooks_retry", verbosity=0)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code, delivery.attempt_count) == (
        DeliveryStatus.SUCCEEDED,
        200,
        3,
    )
    # One event: every attempt carries the same delivery id, so receivers deduplicate.
    assert {r.headers["X-Buzz-Delivery"] for r in receiver.requests} == {str(delivery.event_id)}
    assert len(receiver.requests) == 3


def test_a_closed_port_is_retried_after_a_minute(django_capture_on_commit_callbacks):
    make_webhook(f"http://127.0.0.1:{closed_port()}/hook")
    (delivery,) = emit(django_capture_on_commit_callbacks)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_status_code is None
    assert delivery.last_error
    assert delivery.next_attempt_at - delivery.last_attempt_at == BACKOFF[0]


def test_gives_up_after_the_last_attempt_with_the_documented_backoff(
    django_capture_on_commit_callbacks,
):
    make_webhook(f"http://127.0.0.1:{closed_port()}/hook")
    (delivery,) = emit(django_capture_on_commit_callbacks)
    waits = [delivery.next_attempt_at - delivery.last_attempt_at]
    while delivery.status == DeliveryStatus.FAILED:
        make_due(delivery)
        assert webhook_deliveries_retry() == 1
        delivery.refresh_from_db()
        if delivery.next_attempt_at is not None:
            waits.append(delivery.next_attempt_at - delivery.last_attempt_at)
    assert delivery.status == DeliveryStatus.GAVE_UP
    assert delivery.attempt_count == MAX_ATTEMPTS == 6
    assert waits == list(BACKOFF)
    make_due(delivery)
    assert webhook_deliveries_retry() == 0


def test_a_redirect_is_a_failure_and_not_followed(receiver, django_capture_on_commit_callbacks):
    receiver.statuses = [302]
    make_webhook(receiver.url)
    (delivery,) = emit(django_capture_on_commit_callbacks)
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.FAILED, 302)
    assert len(receiver.requests) == 1


def test_a_delivery_is_not_sent_again_once_done_or_before_it_is_due(
    receiver, django_capture_on_commit_callbacks
):
    receiver.statuses = [500]
    make_webhook(receiver.url)
    (delivery,) = emit(django_capture_on_commit_callbacks)
    # Failed and waiting: neither a stray task nor a retry run sends it early.
    assert webhook_delivery_attempt(delivery_id=delivery.pk) is None
    assert webhook_deliveries_retry() == 0
    make_due(delivery)
    webhook_deliveries_retry()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert webhook_delivery_attempt(delivery_id=delivery.pk) is None
    assert len(receiver.requests) == 2


def test_an_inactive_webhook_gets_nothing(receiver, django_capture_on_commit_callbacks):
    make_webhook(receiver.url, active=False)
    assert emit(django_capture_on_commit_callbacks) == []
    assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []


def test_a_webhook_deactivated_before_the_attempt_gets_nothing(
    receiver, django_capture_on_commit_callbacks
):
    receiver.statuses = [500]
    webhook = make_webhook(receiver.url)
    (delivery,) = emit(django_capture_on_commit_callbacks)
    webhook.active = False
    webhook.save(update_fields=["active"])
    make_due(delivery)
    webhook_deliveries_retry()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.GAVE_UP
    assert len(receiver.requests) == 1


def test_only_webhooks_subscribed_to_the_event_get_it(receiver, django_capture_on_commit_callbacks):
    make_webhook(receiver.url, events=[WebhookEvent.HUB_ITEM_PUBLISHED])
    assert emit(django_capture_on_commit_callbacks, WebhookEvent.MEMBER_JOINED) == []
    assert receiver.requests == []
