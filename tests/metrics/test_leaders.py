"""The leadership board: MT members' and managers' participation this month,
public to every member; a manager's team only together, from five people on."""

import datetime as dt

import pytest
from django.utils import timezone

from metrics.models import EventKind, ParticipationEvent
from metrics.selectors import leadership_board, team_figures_for
from tests.factories import UserFactory
from tests.helpers import assert_constant_query_count

pytestmark = pytest.mark.django_db


def _leader(name: str, *, mt: bool = False, manager: bool = True, active: bool = True):
    user = UserFactory(is_active=active)
    user.profile.display_name = name
    user.profile.is_mt_member = mt
    user.profile.is_manager = manager
    user.profile.save()
    return user


def _events(actor, kind, count, when=None):
    for _ in range(count):
        ParticipationEvent.objects.create(
            actor=actor, kind=kind, occurred_at=when or timezone.now()
        )


def test_board_counts_this_months_posts_comments_kudos_and_shares():
    ann = _leader("Ann Director", mt=True, manager=False)
    bob = _leader("Bob Manager")
    _leader("Gone Manager", active=False)
    member = UserFactory()
    _events(ann, EventKind.POST, 2)
    _events(ann, EventKind.COMMENT, 1)
    _events(ann, EventKind.KUDOS, 1)
    _events(ann, EventKind.SHARE, 3)
    _events(ann, EventKind.REACT, 5)  # reactions are not on the board
    last_month = timezone.now() - dt.timedelta(days=40)
    _events(ann, EventKind.POST, 4, when=last_month)
    _events(member, EventKind.POST, 9)
    rows = leadership_board()
    assert [
        (r.profile.display_name, r.posts, r.comments, r.kudos, r.shares, r.total) for r in rows
    ] == [
        ("Ann Director", 2, 1, 1, 3, 7),
        ("Bob Manager", 0, 0, 0, 0, 0),
    ]
    assert bob.profile in [row.profile for row in rows]


def test_team_figures_only_together_and_from_five_people():
    boss = _leader("Team Boss")
    reports = []
    for _ in range(5):
        report = UserFactory()
        report.profile.manager = boss.profile
        report.profile.save()
        reports.append(report)
    _events(reports[0], EventKind.POST, 2)
    _events(reports[1], EventKind.SHARE, 1)
    figures = team_figures_for(boss)
    assert (figures.size, figures.active, figures.posts, figures.shares) == (5, 2, 2, 1)
    reports[4].is_active = False
    reports[4].save()
    small = team_figures_for(boss)
    assert (small.size, small.shown, small.posts) == (4, False, 0)
    assert team_figures_for(UserFactory()) is None


def test_every_member_sees_the_board_and_managers_their_team(client):
    ann = _leader("Ann Director", mt=True)
    _events(ann, EventKind.POST, 1)
    client.force_login(UserFactory())
    page = client.get("/insights/leaders/").content.decode()
    assert "Ann Director" in page and "Your team" not in page
    client.force_login(ann)
    report = UserFactory()
    report.profile.manager = ann.profile
    report.profile.save()
    page = client.get("/insights/leaders/").content.decode()
    assert "team figures are shown from five people on" in page


def test_board_has_an_empty_state_and_constant_queries(client):
    client.force_login(UserFactory())
    assert (
        "No managers or MT members are marked yet"
        in client.get("/insights/leaders/").content.decode()
    )
    _leader("First")

    def grow():
        for index in range(4):
            leader = _leader(f"Leader {index}")
            _events(leader, EventKind.COMMENT, index)

    assert_constant_query_count(lambda: client.get("/insights/leaders/"), grow)


def test_activity_in_secret_groups_never_shows_on_the_public_board():
    from groups.models import Visibility
    from tests.factories import GroupFactory

    ann = _leader("Ann Director", mt=True)
    secret = GroupFactory(visibility=Visibility.SECRET)
    closed = GroupFactory(visibility=Visibility.CLOSED)
    for group, count in ((secret, 4), (closed, 2), (None, 1)):
        for _ in range(count):
            ParticipationEvent.objects.create(
                actor=ann, kind=EventKind.POST, group_id=group.pk if group else None
            )
    [row] = leadership_board()
    assert row.posts == 3  # closed-group and company-wide posts; the secret ones are not hinted at
