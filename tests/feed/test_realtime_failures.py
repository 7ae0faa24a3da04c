"""A channel layer that is down never fails the write that published."""

import pytest
from django.db import transaction

from feed.models import LiveEvent
from feed.realtime import live_event_publish
from tests.helpers import redis_channel_layer_down

pytestmark = pytest.mark.django_db


def test_write_succeeds_when_redis_is_down(caplog, django_capture_on_commit_callbacks):
    with (
        redis_channel_layer_down(),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        live_event_publish(type="test.event", recipient_id=1, payload={})
    assert "live event test.event to user.1 not delivered" in caplog.text
    assert LiveEvent.objects.filter(type="test.event").exists()  # kept for catch-up
