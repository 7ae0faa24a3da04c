"""The weekly hub email: the items coming next week and last week's sharing,
to subscribed members only, computed on a fixture with known numbers."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from cms.models import HubDigestSubscription, ShareableItemPage, ShareClick
from cms.selectors import weekly_digest_for
from cms.services import share_click_record, share_create
from metrics.models import EventKind, ParticipationEvent
from tests.cms.factories import publish_item, social_hub
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 Safari/605.1.15"


@pytest.fixture
def week():
    """Hand-made week: A is scheduled for in 3 days, B was published 2 days ago,
    C 30 days ago. The member shares B on LinkedIn (3 clicks), a colleague
    shares B on X (1 click); older activity is 10 days old."""
    now = timezone.now()
    member, colleague = UserFactory(email="m@buzz.example"), UserFactory()
    hub = social_hub()
    scheduled = ShareableItemPage(
        title="Coming soon: our new app",
        kind="article",
        canonical_url="https://www.example.com/app",
        live=False,
        go_live_at=now + timedelta(days=3),
    )
    hub.add_child(instance=scheduled)
    fresh = publish_item("Fresh vacancy")
    ShareableItemPage.objects.filter(pk=fresh.pk).update(first_published_at=now - timedelta(days=2))
    old = publish_item("Old news")
    ShareableItemPage.objects.filter(pk=old.pk).update(first_published_at=now - timedelta(days=30))
    mine = share_create(actor=member, item=fresh, network="linkedin", text="Look")
    theirs = share_create(actor=colleague, item=fresh, network="x", text="Look")
    for n in range(3):
        share_click_record(mine, address=f"192.0.2.{n}", user_agent=BROWSER)
    share_click_record(theirs, address="192.0.2.50", user_agent=BROWSER)
    stale = share_create(actor=colleague, item=old, network="email", text="Old")
    share_click_record(stale, address="192.0.2.99", user_agent=BROWSER)
    ten_days_ago = now - timedelta(days=10)
    ParticipationEvent.objects.filter(kind=EventKind.SHARE, object_id=old.pk).update(
        occurred_at=ten_days_ago
    )
    ShareClick.objects.filter(link=stale).update(created_at=ten_days_ago)
    return member, scheduled, fresh


def test_the_digest_figures_on_a_known_week(week):
    member, scheduled, fresh = week
    digest = weekly_digest_for(member)
    assert [item.pk for item in digest.coming] == [scheduled.pk]
    assert [item.pk for item in digest.new] == [fresh.pk]
    assert (digest.shares, digest.clicks, digest.my_shares, digest.my_clicks) == (2, 4, 1, 3)
    assert digest.top_item == fresh


def test_only_subscribed_active_members_get_the_email(week):
    member, _scheduled, _fresh = week
    UserFactory(email="not-subscribed@buzz.example")
    gone = UserFactory(email="gone@buzz.example", is_active=False)
    HubDigestSubscription.objects.create(member=member)
    HubDigestSubscription.objects.create(member=gone)
    out = StringIO()
    call_command("send_hub_digests", stdout=out, verbosity=0)
    assert "for 1 members" in out.getvalue()
    [email] = mail.outbox
    assert email.to == ["m@buzz.example"]
    assert "Coming soon: our new app" in email.body
    assert "Fresh vacancy" in email.body and "Old news" not in email.body
    assert "2 shares by colleagues, 4 clicks on them." in email.body
    assert "You: 1 shared, 3 clicks." in email.body
    assert HubDigestSubscription.objects.get(member=member).last_sent_at is not None


def test_an_empty_week_sends_nothing():
    member = UserFactory(email="quiet@buzz.example")
    social_hub()
    HubDigestSubscription.objects.create(member=member)
    call_command("send_hub_digests", stdout=StringIO(), verbosity=0)
    assert mail.outbox == []


def test_members_subscribe_and_stop_from_my_impact(client):
    member = UserFactory()
    client.force_login(member)
    assert "Send me the weekly email" in client.get("/hub/impact/").content.decode()
    client.post("/hub/digest/", {"subscribe": "1"})
    assert HubDigestSubscription.objects.filter(member=member).exists()
    assert "Stop it" in client.get("/hub/impact/").content.decode()
    client.post("/hub/digest/", {})
    assert not HubDigestSubscription.objects.exists()
    assert client.get("/hub/digest/").status_code == 405
