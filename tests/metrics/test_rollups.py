"""Daily rollups from participation events: per community, member, department
and group, by day in the site's time zone, with network splits for shares and
clicks; recomputable and idempotent. Expected numbers are counted by hand."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from metrics.models import DailyRollup, EventKind, ParticipationEvent
from metrics.services import rollup_days
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DAY = dt.date(2026, 10, 5)


def _at(day: dt.date, hour: int, minute: int = 0, zone=AMSTERDAM) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


@pytest.fixture
def events():
    ann, bob, cem = UserFactory(), UserFactory(), UserFactory()
    nxt = DAY + dt.timedelta(days=1)

    def event(actor, kind, when, *, department=None, group=None, network=""):
        ParticipationEvent.objects.create(
            actor=actor,
            kind=kind,
            occurred_at=when,
            department_id=department,
            group_id=group,
            network=network,
        )

    event(ann, EventKind.POST, _at(DAY, 9), department=1, group=10)
    event(ann, EventKind.POST, _at(DAY, 23, 59), department=1, group=10)
    # 23:30 UTC on DAY is 01:30 the next day in Amsterdam.
    event(
        ann, EventKind.POST, dt.datetime(2026, 10, 5, 23, 30, tzinfo=dt.UTC), department=1, group=10
    )
    event(bob, EventKind.COMMENT, _at(DAY, 12), department=2, group=10)
    event(bob, EventKind.SHARE, _at(DAY, 13), department=2, network="linkedin")
    event(bob, EventKind.SHARE, _at(DAY, 14), department=2, network="linkedin")
    event(bob, EventKind.SHARE, _at(DAY, 15), department=2, network="x")
    event(cem, EventKind.REACT, _at(DAY, 16))
    event(cem, EventKind.REACT, _at(DAY - dt.timedelta(days=1), 16))  # outside the range
    return {"ann": ann, "bob": bob, "cem": cem, "next": nxt}


def _table() -> dict[tuple, int]:
    return {(r.day, r.metric, r.scope, r.scope_id): r.value for r in DailyRollup.objects.all()}


def test_rollups_count_by_day_metric_and_scope(events, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    ann, bob, cem, nxt = events["ann"], events["bob"], events["cem"], events["next"]
    rollup_days(DAY, nxt)
    table = _table()
    expected = {
        (DAY, "post", "all", 0): 2,
        (DAY, "post", "member", ann.pk): 2,
        (DAY, "post", "department", 1): 2,
        (DAY, "post", "group", 10): 2,
        (nxt, "post", "all", 0): 1,
        (nxt, "post", "member", ann.pk): 1,
        (nxt, "post", "department", 1): 1,
        (nxt, "post", "group", 10): 1,
        (DAY, "comment", "all", 0): 1,
        (DAY, "comment", "member", bob.pk): 1,
        (DAY, "comment", "department", 2): 1,
        (DAY, "comment", "group", 10): 1,
        (DAY, "share", "all", 0): 3,
        (DAY, "share:linkedin", "all", 0): 2,
        (DAY, "share:x", "all", 0): 1,
        (DAY, "share", "member", bob.pk): 3,
        (DAY, "share:linkedin", "member", bob.pk): 2,
        (DAY, "share:x", "member", bob.pk): 1,
        (DAY, "share", "department", 2): 3,
        (DAY, "share:linkedin", "department", 2): 2,
        (DAY, "share:x", "department", 2): 1,
        (DAY, "react", "all", 0): 1,
        (DAY, "react", "member", cem.pk): 1,
    }
    assert table == expected


def test_rolling_up_again_gives_the_same_table_and_picks_up_late_events(events, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    rollup_days(DAY, DAY)
    first = _table()
    rollup_days(DAY, DAY)
    assert _table() == first
    ParticipationEvent.objects.create(
        actor=events["cem"], kind=EventKind.REACT, occurred_at=_at(DAY, 18)
    )
    rollup_days(DAY, DAY)
    assert _table()[(DAY, "react", "all", 0)] == 2


def test_metrics_rebuild_shows_progress_and_refuses_bad_dates(events, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    out, err = StringIO(), StringIO()
    call_command(
        "metrics_rebuild", "--since", "2026-09-20", "--until", "2026-10-06", stdout=out, stderr=err
    )
    assert "Rolled up 17 days" in out.getvalue()
    assert "17/17" in err.getvalue()
    assert _table()[(DAY - dt.timedelta(days=1), "react", "all", 0)] == 1
    with pytest.raises(CommandError, match="is not a date"):
        call_command("metrics_rebuild", "--since", "last week")
    with pytest.raises(CommandError, match="before --since"):
        call_command("metrics_rebuild", "--since", "2026-10-06", "--until", "2026-10-01")
