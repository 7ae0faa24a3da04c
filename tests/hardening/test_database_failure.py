"""The database connection drops in the middle of a write: the member gets the
site's clean 500 page (no traceback), and nothing is half-written: no post, no
live event, no participation event, no search-outbox row."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client

from feed import services
from feed.models import LiveEvent, Post
from metrics.models import ParticipationEvent
from search.models import IndexOutbox
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "posts": Post.objects.count(),
        "live events": LiveEvent.objects.count(),
        "participation events": ParticipationEvent.objects.count(),
        "outbox rows": IndexOutbox.objects.count(),
    }


def test_connection_lost_after_the_first_writes_leaves_nothing_and_shows_the_500_page(
    monkeypatch,
):
    member = UserFactory()
    client = Client(raise_request_exception=False)
    client.force_login(member)
    before = _counts()

    def connection_lost(**kwargs):
        # By now post_create has written the post, its participation event and
        # its live event inside its transaction.
        assert Post.objects.filter(body="lost in transit").exists()
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "webhook_post_created_emit", connection_lost)
    response = client.post("/posts/new/", {"body": "lost in transit"})

    assert response.status_code == 500
    html = response.content.decode()
    assert 'data-page="server-error"' in html  # the site's own 500 template
    assert "Traceback" not in html
    assert "OperationalError" not in html
    assert "lost in transit" not in html
    assert _counts() == before


def test_after_the_failure_the_next_post_goes_through(monkeypatch):
    member = UserFactory()
    client = Client(raise_request_exception=False)
    client.force_login(member)

    def connection_lost(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    with monkeypatch.context() as patch:
        patch.setattr(services, "webhook_post_created_emit", connection_lost)
        assert client.post("/posts/new/", {"body": "first try"}).status_code == 500
    response = client.post("/posts/new/", {"body": "second try"})
    assert response.status_code == 302
    assert list(Post.objects.values_list("body", flat=True)) == ["second try"]
