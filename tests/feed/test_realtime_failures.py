"""A channel layer that is down never fails the write that published."""

import pytest
from django.db import transaction

from feed.realtime import publish_to_user_on_commit
from tests.helpers import redis_channel_layer_down

pytestmark = pytest.mark.django_db


def test_write_succeeds_when_redis_is_down(caplog, django_capture_on_commit_callbacks):
    with (
        redis_channel_layer_down(),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        publish_to_user_on_commit(1, {"type": "test.event", "id": 9})
    assert "live event test.event to user.1 not delivered" in caplog.text
