"""Points and leaderboards: daily contribution counts from the events, points
with the admins' weights, boards for this week, this month and all time, of
everyone or one department. Every expected figure below is counted by hand from
the fixture (default weights: post 5, comment 2, react 1, share 3, kudos 2,
accepted answer 10, accepted invitation 10)."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from groups.models import Visibility
from invites.models import Invitation
from metrics.gamification.selectors import leaderboard_for
from metrics.gamification.services import (
    contributions_recompute,
    member_points_recompute,
    points_refresh,
    ranking_preference_set,
)
from metrics.gamification.tasks import gamification_refresh_recent
from metrics.models import (
    DailyContribution,
    EventKind,
    MemberPoints,
    ParticipationEvent,
    PointsWeight,
)
from tests.factories import DepartmentFactory, GroupFactory, UserFactory
from tests.helpers import assert_constant_query_count

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TODAY = dt.date(2026, 10, 14)  # a Wednesday: the week began on Monday 12 October
MONDAY = dt.date(2026, 10, 12)


def _at(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=AMSTERDAM)


def _event(actor, kind, when, *, group=None, object_id=None, object_type=""):
    return ParticipationEvent.objects.create(
        actor=actor,
        kind=kind,
        occurred_at=when,
        group_id=group.pk if group else None,
        object_id=object_id,
        object_type=object_type,
    )


def _member(name: str, department, *, active: bool = True):
    user = UserFactory(is_active=active)
    user.profile.display_name = name
    user.profile.department = department
    user.profile.save()
    return user


@pytest.fixture
def community(settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    sales, tech = DepartmentFactory(name="Sales"), DepartmentFactory(name="Tech")
    ann, bob, fay = _member("Ann", sales), _member("Bob", sales), _member("Fay", sales)
    cem, eve = _member("Cem", tech), _member("Eve", tech)
    dot = _member("Dot", tech, active=False)
    secret = GroupFactory(visibility=Visibility.SECRET)
    closed = GroupFactory(visibility=Visibility.CLOSED)

    # Ann: week 2 posts (10) + a comment at 00:30 Monday local, 22:30 Sunday UTC (2)
    # = 12; month + a comment on 5 October (2) = 14; all + a share in September (3) = 17.
    _event(ann, EventKind.POST, _at(TODAY - dt.timedelta(days=1), 9))
    _event(ann, EventKind.POST, _at(TODAY - dt.timedelta(days=1), 10))
    _event(ann, EventKind.COMMENT, dt.datetime(2026, 10, 11, 22, 30, tzinfo=dt.UTC))
    _event(ann, EventKind.COMMENT, _at(dt.date(2026, 10, 5)))
    _event(ann, EventKind.SHARE, _at(dt.date(2026, 9, 20)))
    # Bob: an accepted answer (10), three reactions to one post and one to another
    # on Monday (1 + 1: toggling earns nothing), a post in a closed group (5)
    # = 17 every period; his post in a secret group never counts.
    _event(bob, EventKind.ACCEPTED_ANSWER, _at(TODAY, 8), object_id=500)
    for minute in (1, 2, 3):
        _event(bob, EventKind.REACT, _at(MONDAY, 9, minute), object_id=77)
    _event(bob, EventKind.REACT, _at(MONDAY, 10), object_id=78)
    _event(bob, EventKind.POST, _at(TODAY - dt.timedelta(days=1)), group=closed)
    _event(bob, EventKind.POST, _at(TODAY - dt.timedelta(days=1)), group=secret)
    # Cem: two colleagues joined on his invitations on 2 October (the newcomer is
    # the event's actor; the inviter is credited: 20), kudos this week (2);
    # reads, visits and searches earn nothing. Week 2, month 22, all 22.
    for index in (1, 2):
        newcomer = _member(f"New {index}", tech)
        invitation = Invitation.objects.create(
            inviter=cem, email=f"new{index}@buzz.example", expires_at=timezone.now()
        )
        _event(
            newcomer,
            EventKind.INVITE_ACCEPTED,
            _at(dt.date(2026, 10, 2)),
            object_type="invites.invitation",
            object_id=invitation.pk,
        )
    _event(cem, EventKind.KUDOS, _at(TODAY - dt.timedelta(days=1)))
    for kind in (EventKind.READ, EventKind.VISIT, EventKind.SEARCH):
        _event(cem, kind, _at(TODAY))
    # Dot is deactivated: 10 posts (50) that no board shows.
    for _ in range(10):
        _event(dot, EventKind.POST, _at(TODAY))
    # Eve hides herself from rankings: 3 posts this week (15 every period).
    for _ in range(3):
        _event(eve, EventKind.POST, _at(TODAY))
    ranking_preference_set(actor=eve, hidden=True)
    points_refresh(first=dt.date(2026, 9, 1), last=TODAY, today=TODAY)
    return {
        "ann": ann,
        "bob": bob,
        "cem": cem,
        "dot": dot,
        "eve": eve,
        "fay": fay,
        "sales": sales,
        "tech": tech,
    }


def _board(viewer, period, department=None):
    board = leaderboard_for(viewer, period=period, department=department, today=TODAY)
    return [(row.rank, row.profile.display_name, row.points) for row in board.rows], board


def test_daily_counts_follow_the_public_rules(community):
    ann, bob, cem = community["ann"], community["bob"], community["cem"]
    rows = {(row.user_id, row.day, row.kind): row.count for row in DailyContribution.objects.all()}
    assert rows[(ann.pk, MONDAY, "comment")] == 1  # 00:30 local on Monday, not Sunday
    assert rows[(ann.pk, TODAY - dt.timedelta(days=1), "post")] == 2
    assert rows[(bob.pk, MONDAY, "react")] == 2  # posts 77 and 78, each once
    assert rows[(bob.pk, TODAY - dt.timedelta(days=1), "post")] == 1  # not the secret one
    assert rows[(cem.pk, dt.date(2026, 10, 2), "invite_accepted")] == 2
    assert not any(kind in {"read", "visit", "search"} for _user, _day, kind in rows)
    newcomers = DailyContribution.objects.filter(kind="invite_accepted").exclude(user=cem)
    assert not newcomers.exists()


def test_points_per_period(community):
    points = {
        row.user_id: (row.week_points, row.month_points, row.total_points)
        for row in MemberPoints.objects.all()
    }
    c = community
    assert points[c["ann"].pk] == (12, 14, 17)
    assert points[c["bob"].pk] == (17, 17, 17)
    assert points[c["cem"].pk] == (2, 22, 22)
    assert points[c["eve"].pk] == (15, 15, 15)
    assert points[c["dot"].pk] == (50, 50, 50)  # stored, but never shown
    assert c["fay"].pk not in points


def test_boards_for_each_period_leave_out_deactivated_and_hidden_members(community):
    fay = community["fay"]
    assert _board(fay, "week")[0] == [(1, "Bob", 17), (2, "Ann", 12), (3, "Cem", 2)]
    assert _board(fay, "month")[0] == [(1, "Cem", 22), (2, "Bob", 17), (3, "Ann", 14)]
    # Ann and Bob tie: they share place 2, listed by name; the next place is 4.
    assert _board(fay, "all")[0] == [(1, "Cem", 22), (2, "Ann", 17), (2, "Bob", 17)]
    _rows, board = _board(fay, "week")
    assert (board.viewer_points, board.viewer_rank) == (0, None)


def test_department_boards(community):
    fay, sales, tech = community["fay"], community["sales"], community["tech"]
    assert _board(fay, "week", sales)[0] == [(1, "Bob", 17), (2, "Ann", 12)]
    assert _board(fay, "month", tech)[0] == [(1, "Cem", 22)]
    _rows, other = _board(fay, "week", tech)
    assert other.viewer_in_scope is False and other.viewer_rank is None
    # Boards are of people: a member who moves is ranked in their department today.
    ann = community["ann"]
    ann.profile.department = tech
    ann.profile.save()
    assert _board(fay, "week", tech)[0] == [(1, "Ann", 12), (2, "Cem", 2)]
    assert _board(fay, "week", sales)[0] == [(1, "Bob", 17)]


def test_the_viewer_sees_their_own_place_even_outside_the_top(community):
    cem = community["cem"]
    _rows, board = _board(cem, "week")
    assert (board.viewer_points, board.viewer_rank) == (2, 3)
    assert [row.is_viewer for row in board.rows] == [False, False, True]
    short = leaderboard_for(cem, period="week", limit=1, today=TODAY)
    assert [row.profile.display_name for row in short.rows] == ["Bob"]
    assert (short.viewer_points, short.viewer_rank, short.viewer_in_rows) == (2, 3, False)
    ann = leaderboard_for(community["ann"], period="all", today=TODAY)
    assert (ann.viewer_points, ann.viewer_rank) == (17, 2)  # tied with Bob


def test_hidden_member_sees_own_figures_and_is_no_place_for_others(community):
    eve = community["eve"]
    rows, board = _board(eve, "week")
    assert "Eve" not in [name for _rank, name, _points in rows]
    # Eve's 15 would come after Bob's 17 only: place 2; Ann keeps place 2 for others.
    assert (board.viewer_points, board.viewer_rank, board.viewer_hidden) == (15, 2, True)
    assert (_board(eve, "all")[1].viewer_rank, _board(eve, "week", community["tech"])[0]) == (
        4,
        [(1, "Cem", 2)],
    )
    assert _board(eve, "week", community["tech"])[1].viewer_rank == 1
    ranking_preference_set(actor=eve, hidden=False)
    assert _board(community["fay"], "week")[0] == [
        (1, "Bob", 17),
        (2, "Eve", 15),
        (3, "Ann", 12),
        (4, "Cem", 2),
    ]


def test_a_weight_change_applies_to_every_board_on_recompute(community):
    PointsWeight.objects.filter(kind="post").update(points=1)
    member_points_recompute(today=TODAY)
    # Ann: 2 posts (2) + comment (2) = 4; Bob: 10 + 1 + 1 + 1 = 13; Cem 2.
    assert _board(community["fay"], "week")[0] == [(1, "Bob", 13), (2, "Ann", 4), (3, "Cem", 2)]
    PointsWeight.objects.update(points=0)
    member_points_recompute(today=TODAY)
    assert not MemberPoints.objects.exists()


def test_the_admin_recomputes_points_when_a_weight_is_saved(
    community, admin_client, django_capture_on_commit_callbacks
):
    weight = PointsWeight.objects.get(kind="accepted_answer")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(
            f"/admin/metrics/pointsweight/{weight.pk}/change/",
            {"kind": "accepted_answer", "points": 0},
        )
    assert len(callbacks) == 1
    assert response.status_code == 302
    # The task ran on commit (immediate backend) with today's weeks; all time: Bob 7.
    assert MemberPoints.objects.get(user=community["bob"]).total_points == 7


def test_recomputing_is_idempotent_and_picks_up_late_events(community):
    table = set(DailyContribution.objects.values_list("user_id", "day", "kind", "count"))
    contributions_recompute(first=dt.date(2026, 9, 1), last=TODAY)
    assert set(DailyContribution.objects.values_list("user_id", "day", "kind", "count")) == table
    _event(community["fay"], EventKind.COMMENT, _at(TODAY, 15))
    touched = contributions_recompute(first=TODAY, last=TODAY)
    assert community["fay"].pk in touched
    member_points_recompute(user_ids=touched, today=TODAY)
    # Fay's comment (2) ties with Cem's 2: both place 3, after Bob's 17 and Ann's 12.
    rows, board = _board(community["fay"], "week")
    assert rows[2:] == [(3, "Cem", 2), (3, "Fay", 2)]
    assert (board.viewer_points, board.viewer_rank) == (2, 3)


def test_week_and_month_totals_turn_over_without_recompute(community):
    next_monday = MONDAY + dt.timedelta(days=7)
    assert _board(community["fay"], "week")[0]
    assert leaderboard_for(community["fay"], period="week", today=next_monday).rows == []
    november = leaderboard_for(community["fay"], period="month", today=dt.date(2026, 11, 2))
    assert november.rows == []
    assert len(leaderboard_for(community["fay"], period="all", today=next_monday).rows) == 3


def test_rebuild_command_shows_progress_and_refuses_bad_dates(community):
    DailyContribution.objects.all().delete()
    out, err = StringIO(), StringIO()
    call_command(
        "gamification_rebuild",
        "--since",
        "2026-09-01",
        "--until",
        "2026-10-14",
        stdout=out,
        stderr=err,
    )
    assert "Counted 44 days" in out.getvalue()
    assert "44/44" in err.getvalue()
    assert set(
        DailyContribution.objects.filter(user=community["ann"]).values_list("day", "kind", "count")
    ) == {
        (dt.date(2026, 9, 20), "share", 1),
        (dt.date(2026, 10, 5), "comment", 1),
        (MONDAY, "comment", 1),
        (TODAY - dt.timedelta(days=1), "post", 2),
    }
    out = StringIO()
    call_command("gamification_rebuild", "--since", "first", "--until", "2026-10-14", stdout=out)
    assert "Counted 25 days" in out.getvalue()  # from 20 September, Ann's share
    with pytest.raises(CommandError, match="is not a date"):
        call_command("gamification_rebuild", "--since", "last week")
    with pytest.raises(CommandError, match="before --since"):
        call_command("gamification_rebuild", "--since", "2026-10-06", "--until", "2026-10-01")


def test_refresh_task_counts_today(settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    member = UserFactory()
    ParticipationEvent.objects.create(actor=member, kind=EventKind.POST)
    ParticipationEvent.objects.create(actor=member, kind=EventKind.COMMENT)
    gamification_refresh_recent.enqueue()
    assert MemberPoints.objects.get(user=member).week_points == 7


# --- the page -----------------------------------------------------------------------------


def _scored(name: str, points_events: int, department=None):
    member = _member(name, department or DepartmentFactory(name="Ops"))
    for _ in range(points_events):
        ParticipationEvent.objects.create(actor=member, kind=EventKind.POST)
    return member


def _refresh():
    today = timezone.localdate()
    points_refresh(first=today, last=today)


def test_leaderboard_page_tabs_department_filter_and_own_place(client, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    ops = DepartmentFactory(name="Ops")
    viewer = _scored("Viewer Person", 1, ops)
    _scored("Top Person", 3, ops)
    _scored("Other Dept", 2, DepartmentFactory(name="Legal"))
    _refresh()
    client.force_login(viewer)
    page = client.get("/insights/leaderboard/?period=month").content.decode()
    assert "Top Person" in page and "Other Dept" in page
    assert "You have 5 points: place 3." in page
    assert 'aria-current="page">This month' in page
    page = client.get("/insights/leaderboard/?period=all&department=ops").content.decode()
    assert "Top Person" in page and "Other Dept" not in page
    assert "You have 5 points: place 2." in page
    assert client.get("/insights/leaderboard/?period=nonsense").status_code == 200


def test_opting_out_on_the_page_hides_from_others(client, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    shy, other = _scored("Shy Person", 2), _scored("Other Person", 1)
    _refresh()
    client.force_login(shy)
    response = client.post("/insights/leaderboard/visibility/", {"hidden": "1", "period": "all"})
    assert response.status_code == 302 and response["Location"].endswith("?period=all")
    own = client.get("/insights/leaderboard/").content.decode()
    assert "You have 10 points: place 1." in own and "You are hidden from rankings" in own
    client.force_login(other)
    seen = client.get("/insights/leaderboard/").content.decode()
    assert "Shy Person" not in seen and "You have 5 points: place 1." in seen
    client.force_login(shy)
    client.post("/insights/leaderboard/visibility/", {"hidden": "0"})
    client.force_login(other)
    assert "Shy Person" in client.get("/insights/leaderboard/").content.decode()


def test_leaderboard_page_needs_login_and_has_an_empty_state(client):
    assert client.get("/insights/leaderboard/").status_code == 302
    client.force_login(UserFactory())
    assert (
        "Nobody has points in this period yet."
        in client.get("/insights/leaderboard/").content.decode()
    )


def test_leaderboard_page_has_constant_queries(client, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    viewer = _scored("Viewer Person", 1)
    _scored("First Person", 2)
    _refresh()
    client.force_login(viewer)

    def grow():
        for index in range(5):
            member = _scored(f"Grown {index}", index + 1, DepartmentFactory(name=f"Dept {index}"))
            if index % 2:
                ranking_preference_set(actor=member, hidden=True)
        _refresh()

    for url in ("/insights/leaderboard/", "/insights/leaderboard/?period=all&department=ops"):
        assert_constant_query_count(lambda url=url: client.get(url), grow)
