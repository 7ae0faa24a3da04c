"""The insights figures on a fixture whose October is known by heart
(tests/metrics/insights_fixture.py): every expected number is counted by hand
from the story there."""

import datetime as dt

import pytest

from metrics.models import Baseline, DailyRollup
from metrics.selectors import (
    Period,
    engagement,
    hub_figures,
    insights_for,
    invite_funnel,
    participation,
    top_groups,
    trending_hashtags,
)
from metrics.services import rollup_days
from tests.metrics.insights_fixture import TODAY, build_organisation

pytestmark = pytest.mark.django_db
OCTOBER = Period.month(2026, 10)


@pytest.fixture
def organisation(settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    return build_organisation()


def test_periods_know_months_and_the_period_before():
    assert (OCTOBER.first, OCTOBER.last, OCTOBER.days) == (
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 31),
        31,
    )
    assert OCTOBER.previous() == Period.month(2026, 9)
    assert Period.month(2026, 1).previous() == Period.month(2025, 12)
    assert Period.month(2026, 12).last == dt.date(2026, 12, 31)
    thirty = Period.days_until(dt.date(2026, 11, 20))
    assert (thirty.first, thirty.previous().last) == (dt.date(2026, 10, 22), dt.date(2026, 10, 21))
    assert str(Period.parse_month("2026-10")) == "2026-10"
    for bad in ("2026-13", "october", "", "2026"):
        with pytest.raises(ValueError):
            Period.parse_month(bad)


def test_daily_weekly_and_monthly_active_members(organisation):
    figures = engagement(OCTOBER)
    daily = dict(figures.daily)
    # Oct 1: s1, l1 (invitations); 2, 3: n1; 5: s1; 6: s2; 7: s3; 8: s4;
    # 9: only d1 (deactivated, never counted); 10: l1; 12: l2, l3; 20: s1;
    # 28: n2; 31: s5. Clicks on the 13th are strangers' acts.
    expected = {1: 2, 2: 1, 3: 1, 5: 1, 6: 1, 7: 1, 8: 1, 10: 1, 12: 2, 20: 1, 28: 1, 31: 1}
    assert daily == {dt.date(2026, 10, day): expected.get(day, 0) for day in range(1, 32)}
    assert figures.dau == pytest.approx(14 / 31)
    # The ten active: s1-s5, l1-l3, n1, n2.
    assert figures.mau == 10
    assert figures.wau == 2  # 25-31 October: n2, s5
    assert figures.stickiness == pytest.approx(14 / 31 / 10)
    # Weeks start on Monday: 28 Sep (1-4 Oct): s1, l1, n1; 5 Oct: s1, s2, s3,
    # s4, l1; 12 Oct: l2, l3; 19 Oct: s1; 26 Oct: n2, s5.
    assert figures.weekly == [
        (dt.date(2026, 9, 28), 3),
        (dt.date(2026, 10, 5), 5),
        (dt.date(2026, 10, 12), 2),
        (dt.date(2026, 10, 19), 1),
        (dt.date(2026, 10, 26), 2),
    ]


def test_pyramid_departments_and_funnel_follow_the_five_member_rule(organisation):
    part = participation(OCTOBER)
    everyone = part.everyone
    # 12 counted: s1-s6, l1-l4, n1, n2 (d1 is deactivated).
    assert everyone.headcount == 12
    # Creators s1, l1; contributors s2 (comment), s3 (reaction), l2 (share);
    # readers s4, s5, l3, n1, n2; inactive s6, l4.
    pyramid = everyone.pyramid
    assert (pyramid.creators, pyramid.contributors, pyramid.readers, pyramid.inactive) == (
        2,
        3,
        5,
        2,
    )
    # Visited 10; read: s1, l1 (posted), s2 (read), s3 (reacted), s4 (read);
    # reacted: s2 (comment), s3; posted: s1, l1.
    assert (everyone.visited, everyone.read, everyone.reacted, everyone.posted) == (10, 5, 2, 2)
    # Only Sales has five or more members; Legal (4) is hidden.
    assert [row.label for row in part.departments] == ["Sales"]
    assert part.departments_hidden == 1
    sales = part.departments[0]
    assert (sales.headcount, sales.visited, sales.read, sales.reacted, sales.posted) == (
        6,
        5,
        4,
        2,
        1,
    )
    assert sales.active_share == pytest.approx(5 / 6)
    # Leaders s1, s2, s3, l1, l2: all visited; read s1, s2, s3, l1; reacted s2,
    # s3; posted s1, l1.
    leaders = part.leaders
    assert (leaders.headcount, leaders.visited, leaders.read, leaders.reacted, leaders.posted) == (
        5,
        5,
        4,
        2,
        2,
    )


def test_leaders_row_hidden_under_five(organisation):
    profile = organisation.people["l2"].profile
    profile.is_mt_member = False
    profile.save()
    assert participation(OCTOBER).leaders is None


def test_top_groups_and_hashtags_never_show_a_secret_group(organisation):
    groups = top_groups(OCTOBER)
    # Open: posts by s1 (2) and d1 (1), s2's comment; Closed: s3's reaction.
    assert [(g.name, g.posts, g.comments, g.reactions) for g in groups] == [
        ("Open", 3, 1, 0),
        ("Closed", 0, 0, 1),
    ]
    tags = trending_hashtags(OCTOBER)
    # #cloud: s1's posts of the 5th and 20th (the secret and the deleted posts
    # never count); #ai: the 5th, and once in September.
    assert [(t.name, t.posts, t.previous) for t in tags] == [("cloud", 2, 0), ("ai", 1, 1)]


def test_invite_funnel_and_viral_coefficient(organisation):
    funnel = invite_funnel(OCTOBER, today=TODAY)
    assert (funnel.sent, funnel.accepted, funnel.inviters) == (3, 2, 2)
    # n1 joined 2 Oct and posted 5 Nov (day 34): retained. n2 joined 28 Oct:
    # day 30 is 27 Nov, after "today" (20 Nov), so not known yet.
    assert (funnel.cohort, funnel.retained, funnel.too_recent) == (2, 1, 1)
    assert funnel.viral_coefficient == 1.0
    assert funnel.acceptance_rate == pytest.approx(2 / 3)
    later = invite_funnel(OCTOBER, today=dt.date(2026, 12, 31))
    assert (later.retained, later.too_recent) == (1, 0)


def test_hub_shares_and_clicks_per_network_and_campaign(organisation):
    hub = hub_figures(OCTOBER)
    assert [(row.label, row.shares, row.clicks) for row in hub.networks] == [("LinkedIn", 1, 3)]
    assert [(row.label, row.shares, row.clicks) for row in hub.campaigns] == [("Autumn", 1, 3)]
    assert (hub.shares, hub.clicks) == (1, 3)
    assert hub_figures(Period.month(2026, 9)).networks == []


def test_headline_compares_with_previous_month_and_baseline(organisation):
    Baseline.objects.create(day=dt.date(2026, 9, 30), label="Launch")
    data = insights_for(OCTOBER, today=TODAY)
    rows = {row.key: row for row in data.comparisons}
    # October: 12 members, 10 active; posts s1 x2, l1, d1 (deactivated since,
    # but the post happened) = 4. September: 10 members (n1, n2 not yet), 2
    # active (s1, s4), 1 post. The baseline is the 30 days up to 30 September.
    assert (rows["members"].now, rows["members"].before, rows["members"].baseline) == (12, 10, 10)
    assert (rows["active"].now, rows["active"].before, rows["active"].baseline) == (10, 2, 2)
    assert rows["active"].change_from_baseline == pytest.approx(4.0)
    assert rows["active_share"].now == pytest.approx(10 / 12)
    assert (rows["posts"].now, rows["posts"].before) == (4, 1)
    assert rows["posts"].change_from_before == pytest.approx(3.0)
    assert (rows["comments"].now, rows["shares"].now, rows["clicks"].now) == (1, 1, 3)
    assert (rows["invites_accepted"].now, rows["searches"].now) == (2, 1)
    assert (rows["creators"].now, rows["contributors"].now) == (2, 3)
    assert rows["kudos"].change_from_before is None  # nothing to compare with


def test_figures_are_the_same_after_a_second_rollup(organisation):
    before = insights_for(OCTOBER, today=TODAY)
    rows = DailyRollup.objects.count()
    rollup_days(dt.date(2026, 9, 1), dt.date(2026, 11, 30))
    assert DailyRollup.objects.count() == rows
    assert insights_for(OCTOBER, today=TODAY) == before
