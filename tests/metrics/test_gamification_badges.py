"""Badges: rules "at least N contributions of a kind", awarded exactly once by
an idempotent rule engine, shown on the member's profile. Expected awards are
worked out by hand from the events in each test."""

import datetime as dt

import pytest
from django.utils import timezone

from groups.models import Visibility
from metrics.gamification.selectors import badges_of
from metrics.gamification.services import badges_award, points_refresh
from metrics.models import Badge, BadgeAward, EventKind, ParticipationEvent
from tests.factories import GroupFactory, UserFactory
from tests.helpers import assert_constant_query_count

pytestmark = pytest.mark.django_db


def _events(actor, kind, count, *, group=None, object_ids=None):
    for index in range(count):
        ParticipationEvent.objects.create(
            actor=actor,
            kind=kind,
            group_id=group.pk if group else None,
            object_id=object_ids[index] if object_ids else None,
        )


def _refresh():
    today = timezone.localdate()
    return points_refresh(first=today - dt.timedelta(days=1), last=today)


def _awards():
    return sorted(BadgeAward.objects.values_list("user__username", "badge__slug"))


def test_seeded_badges():
    assert list(Badge.objects.values_list("slug", "kind", "threshold")) == [
        ("first-post", "post", 1),
        ("problem-solver", "accepted_answer", 1),
        ("helpful", "accepted_answer", 10),
        ("conversationalist", "comment", 50),
        ("ambassador", "share", 30),
        ("connector", "invite_accepted", 5),
        ("appreciator", "kudos", 10),
    ]


def test_badges_are_awarded_exactly_once_and_later_when_a_threshold_is_crossed():
    ann = UserFactory(username="ann")
    bob = UserFactory(username="bob")
    _events(ann, EventKind.POST, 2)  # first post: yes (2 >= 1)
    _events(ann, EventKind.SHARE, 29)  # ambassador: not yet (29 < 30)
    _events(bob, EventKind.ACCEPTED_ANSWER, 10, object_ids=list(range(10)))  # both answer badges
    assert _refresh().awards == 3
    expected = [("ann", "first-post"), ("bob", "helpful"), ("bob", "problem-solver")]
    assert _awards() == expected
    first_awarded = BadgeAward.objects.get(user=ann).awarded_at
    # Running the engine again, with or without new events, awards nothing new.
    assert badges_award() == 0
    assert _refresh().awards == 0
    assert _awards() == expected
    # Ann's 30th share crosses the ambassador threshold: awarded on the next run, once.
    _events(ann, EventKind.SHARE, 1)
    assert _refresh().awards == 1
    assert _refresh().awards == 0
    assert _awards() == [("ann", "ambassador"), *expected]
    assert BadgeAward.objects.get(user=ann, badge__slug="first-post").awarded_at == first_awarded


def test_what_does_not_count_for_badges():
    carl = UserFactory(username="carl")
    gone = UserFactory(username="gone", is_active=False)
    secret = GroupFactory(visibility=Visibility.SECRET)
    _events(carl, EventKind.POST, 3, group=secret)  # only in a secret group
    _events(carl, EventKind.ACCEPTED_ANSWER, 10, object_ids=[7] * 10)  # one answer, re-accepted
    _events(gone, EventKind.POST, 1)  # deactivated
    _refresh()
    assert _awards() == [("carl", "problem-solver")]


def test_a_new_rule_is_checked_for_every_member_and_inactive_badges_are_skipped(
    admin_client, django_capture_on_commit_callbacks
):
    dee = UserFactory(username="dee")
    _events(dee, EventKind.COMMENT, 3)
    _refresh()
    assert _awards() == []
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/metrics/badge/add/",
            {
                "slug": "chatty",
                "name": "Chatty",
                "description": "Three comments.",
                "emoji": "🗨",
                "kind": "comment",
                "threshold": 3,
                "is_active": "on",
                "position": 5,
            },
        )
    assert response.status_code == 302
    assert _awards() == [("dee", "chatty")]
    Badge.objects.filter(slug="first-post").update(is_active=False)
    _events(dee, EventKind.POST, 1)
    _refresh()
    assert _awards() == [("dee", "chatty")]


def test_connector_badge_credits_the_inviter():
    from invites.models import Invitation

    inviter = UserFactory(username="inviter")
    for index in range(5):
        newcomer = UserFactory()
        invitation = Invitation.objects.create(
            inviter=inviter, email=f"n{index}@buzz.example", expires_at=timezone.now()
        )
        ParticipationEvent.objects.create(
            actor=newcomer,
            kind=EventKind.INVITE_ACCEPTED,
            object_type="invites.invitation",
            object_id=invitation.pk,
        )
    _refresh()
    assert _awards() == [("inviter", "connector")]


def test_badges_on_the_profile_page_with_constant_queries(client):
    ann = UserFactory(username="ann")
    _events(ann, EventKind.POST, 1)
    _refresh()
    assert [award.badge.slug for award in badges_of(ann.pk)] == ["first-post"]
    client.force_login(UserFactory())
    page = client.get("/people/ann/").content.decode()
    assert 'id="badges"' in page and "First post" in page

    def grow():
        _events(ann, EventKind.SHARE, 30)
        _events(ann, EventKind.KUDOS, 10)
        _refresh()

    assert_constant_query_count(lambda: client.get("/people/ann/"), grow)
    page = client.get("/people/ann/").content.decode()
    assert "Ambassador" in page and "Appreciator" in page
    assert 'id="badges"' not in client.get(f"/people/{UserFactory().username}/").content.decode()
