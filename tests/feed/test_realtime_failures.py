"""A channel layer that is down never fails the write that published."""

import pytest
from django.db import transaction
from django.test import override_settings

from feed.realtime import publish_to_user_on_commit

pytestmark = pytest.mark.django_db


def test_write_succeeds_when_redis_is_down(caplog, django_capture_on_commit_callbacks):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    layers = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": f"redis://127.0.0.1:{port}/0"}]},
        }
    }
    from channels.layers import channel_layers

    with override_settings(CHANNEL_LAYERS=layers):
        channel_layers.backends.clear()
        try:
            with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
                publish_to_user_on_commit(1, {"type": "test.event", "id": 9})
        finally:
            channel_layers.backends.clear()
    assert "live event test.event to user.1 not delivered" in caplog.text
