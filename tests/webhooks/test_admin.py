"""The Django admin: register endpoints, see the secret once saved, read the
delivery log (bounded), send a test event."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from tests.factories import UserFactory
from tests.helpers import assert_constant_query_count
from webhooks.admin import DELIVERY_LOG_SIZE
from webhooks.models import TEST_EVENT, Webhook, WebhookDelivery, WebhookEvent
from webhooks.services import webhook_test_send

from .conftest import make_webhook

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/webhooks/webhook/"


@pytest.fixture
def admin_user():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def admin(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def add_deliveries(webhook: Webhook, n: int) -> None:
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            webhook=webhook,
            event_type=WebhookEvent.POST_CREATED,
            payload={"post": {"id": i}},
            next_attempt_at=timezone.now(),
        )
        for i in range(n)
    )


def test_an_admin_registers_an_endpoint_and_then_sees_its_secret(admin, admin_user):
    assert admin.get(f"{CHANGELIST}add/").status_code == 200
    response = admin.post(
        f"{CHANGELIST}add/",
        {
            "name": "Intranet bridge",
            "url": "https://hooks.example.com/buzz",
            "events": ["post.created", "member.joined"],
            "active": "on",
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content
    webhook = Webhook.objects.get()
    assert webhook.created_by == admin_user
    assert webhook.events == ["post.created", "member.joined"]
    assert len(webhook.secret) >= 40
    page = admin.get(f"{CHANGELIST}{webhook.pk}/change/").content.decode()
    assert webhook.secret in page
    assert 'name="secret"' not in page  # shown, never editable


def test_an_insecure_url_is_refused_in_the_admin(admin, settings):
    settings.BUZZ_WEBHOOKS_ALLOW_INSECURE_LOCALHOST = False
    response = admin.post(
        f"{CHANGELIST}add/",
        {
            "name": "Leaky",
            "url": "http://hooks.example.com/buzz",
            "events": ["post.created"],
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "https://" in response.content.decode()
    assert not Webhook.objects.exists()


def test_the_changelist_loads(admin):
    make_webhook("https://hooks.example.com/a", name="A")
    make_webhook("https://hooks.example.com/b", name="B", active=False)
    response = admin.get(CHANGELIST)
    assert response.status_code == 200
    assert "hooks.example.com/b" in response.content.decode()


def test_the_delivery_log_costs_the_same_queries_at_two_sizes_and_stops_at_50(admin):
    webhook = make_webhook("https://hooks.example.com/a")
    add_deliveries(webhook, 3)
    url = f"{CHANGELIST}{webhook.pk}/change/"
    assert_constant_query_count(
        lambda: admin.get(url), lambda: add_deliveries(webhook, DELIVERY_LOG_SIZE + 5)
    )
    page = admin.get(url).content.decode()
    assert page.count('class="field-event_id"') == DELIVERY_LOG_SIZE


def test_saving_an_endpoint_leaves_its_delivery_log_alone(admin):
    webhook = make_webhook("https://hooks.example.com/a")
    add_deliveries(webhook, 2)
    ids = list(WebhookDelivery.objects.values_list("pk", flat=True))
    response = admin.post(
        f"{CHANGELIST}{webhook.pk}/change/",
        {
            "name": "Renamed",
            "url": webhook.url,
            "events": ["post.created"],
            "deliveries-TOTAL_FORMS": "2",
            "deliveries-INITIAL_FORMS": "2",
            "deliveries-0-id": str(ids[0]),
            "deliveries-1-id": str(ids[1]),
        },
    )
    assert response.status_code == 302
    assert WebhookDelivery.objects.count() == 2
    webhook.refresh_from_db()
    assert (webhook.name, webhook.active) == ("Renamed", False)


def test_send_test_event_reaches_active_endpoints_only(
    admin, receiver, django_capture_on_commit_callbacks
):
    active = make_webhook(receiver.url, name="Active")
    inactive = make_webhook(receiver.url, name="Inactive", active=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            CHANGELIST,
            {"action": "send_test_event", "_selected_action": [active.pk, inactive.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert "This webhook is inactive." in response.content.decode()
    (got,) = receiver.requests
    assert got.headers["X-Buzz-Event"] == TEST_EVENT
    assert json.loads(got.body)["data"]["webhook"] == "Active"
    assert list(WebhookDelivery.objects.values_list("webhook_id", flat=True)) == [active.pk]


def test_members_cannot_reach_the_admin_or_send_test_events(member_client, member):
    webhook = make_webhook("https://hooks.example.com/a")
    response = member_client.get(f"{CHANGELIST}{webhook.pk}/change/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    with pytest.raises(PermissionDenied):
        webhook_test_send(actor=member, webhook=webhook)
    assert not WebhookDelivery.objects.exists()
