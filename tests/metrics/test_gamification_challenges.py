"""Challenges: community managers define them, members opt in and out, a live
ranking counts each entrant's contributions of one kind inside the window and
marks the rewards earned. Expected figures are counted by hand."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from groups.models import Visibility
from invites.models import Invitation
from metrics.gamification.selectors import challenge_ranking_for, challenges_for
from metrics.gamification.services import (
    challenge_create,
    challenge_join,
    challenge_leave,
    challenge_update,
    ranking_preference_set,
)
from metrics.models import Challenge, ChallengeEntry, EventKind, ParticipationEvent
from tests.factories import GroupFactory, UserFactory
from tests.helpers import assert_constant_query_count

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
FIRST, LAST = dt.date(2026, 10, 5), dt.date(2026, 11, 8)  # five weeks, Monday to Sunday


def _at(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=AMSTERDAM)


def _member(name: str, *, active: bool = True, manager: bool = False):
    user = UserFactory(is_active=active)
    user.profile.display_name = name
    user.profile.is_community_manager = manager
    user.profile.save()
    return user


def _shares(actor, count, when, *, group=None):
    for _ in range(count):
        ParticipationEvent.objects.create(
            actor=actor,
            kind=EventKind.SHARE,
            occurred_at=when,
            group_id=group.pk if group else None,
        )


def _challenge(**values) -> Challenge:
    defaults = {
        "title": "Share season",
        "description": "Share the hub's stories.",
        "metric": "share",
        "starts_on": FIRST,
        "ends_on": LAST,
        "reward_every": 3,
        "reward_text": "a lunch",
    }
    return Challenge.objects.create(**{**defaults, **values})


@pytest.fixture
def season(settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    challenge = _challenge()
    ann, bob, fay = _member("Ann"), _member("Bob"), _member("Fay")
    eve, cem = _member("Eve"), _member("Cem")
    dot = _member("Dot", active=False)
    for entrant in (ann, bob, fay, eve, dot):
        ChallengeEntry.objects.create(challenge=challenge, user=entrant)
    secret = GroupFactory(visibility=Visibility.SECRET)
    # Ann: 00:10 on the first day (the window opens at midnight local time), 4 in
    # October, 23:30 on the last day (CET by then) = 6; not the share at 23:30 the
    # evening before, not the one 30 minutes after the end, not the one in a
    # secret group. 6 // 3 = 2 lunches.
    _shares(ann, 1, _at(FIRST, 0, 10))
    _shares(ann, 4, _at(dt.date(2026, 10, 15)))
    _shares(ann, 1, _at(LAST, 23, 30))
    _shares(ann, 1, _at(FIRST - dt.timedelta(days=1), 23, 30))
    _shares(ann, 1, _at(LAST + dt.timedelta(days=1), 0, 30))
    _shares(ann, 1, _at(dt.date(2026, 10, 15)), group=secret)
    # Bob and Fay: 3 each (one lunch each; they tie for place 2). Bob's posts do
    # not count in a share challenge.
    _shares(bob, 3, _at(dt.date(2026, 10, 20)))
    for _ in range(2):
        ParticipationEvent.objects.create(
            actor=bob, kind=EventKind.POST, occurred_at=_at(dt.date(2026, 10, 20))
        )
    _shares(fay, 3, _at(dt.date(2026, 10, 21)))
    # Eve hides from rankings: 4 shares (one lunch), seen only by herself.
    _shares(eve, 4, _at(dt.date(2026, 10, 22)))
    ranking_preference_set(actor=eve, hidden=True)
    # Dot (deactivated, entered) and Cem (not entered) never appear.
    _shares(dot, 9, _at(dt.date(2026, 10, 22)))
    _shares(cem, 10, _at(dt.date(2026, 10, 22)))
    return {
        "challenge": challenge,
        "ann": ann,
        "bob": bob,
        "fay": fay,
        "eve": eve,
        "cem": cem,
    }


def _rows(ranking):
    return [(r.rank, r.profile.display_name, r.count, r.rewards, r.reached) for r in ranking.rows]


def test_ranking_counts_the_window_and_marks_rewards(season):
    ranking = challenge_ranking_for(season["bob"], season["challenge"], today=LAST)
    assert ranking.state == "running" and ranking.live
    assert _rows(ranking) == [
        (1, "Ann", 6, 2, True),
        (2, "Bob", 3, 1, True),
        (2, "Fay", 3, 1, True),
    ]
    mine = ranking.viewer_row
    assert (mine.rank, mine.count, mine.rewards, mine.to_next, mine.is_viewer) == (2, 3, 1, 3, True)
    assert ranking.entrants == 4  # Ann, Bob, Fay, Eve; not the deactivated Dot


def test_a_hidden_entrant_sees_only_their_own_row(season):
    ranking = challenge_ranking_for(season["eve"], season["challenge"], today=LAST)
    assert "Eve" not in [row.profile.display_name for row in ranking.rows]
    mine = ranking.viewer_row
    # 4 shares: only Ann's 6 are more, so she would be place 2; 4 // 3 = 1, 2 to go.
    assert (mine.rank, mine.count, mine.rewards, mine.to_next, mine.hidden) == (2, 4, 1, 2, True)


def test_non_entrants_see_the_ranking_without_a_row_of_their_own(season):
    ranking = challenge_ranking_for(season["cem"], season["challenge"], today=LAST)
    assert ranking.viewer_row is None and not ranking.joined
    assert [row.profile.display_name for row in ranking.rows] == ["Ann", "Bob", "Fay"]


def test_late_entrants_count_from_the_first_day_and_the_cut_keeps_places(season):
    gus = _member("Gus")
    _shares(gus, 7, _at(dt.date(2026, 10, 6)))
    ChallengeEntry.objects.create(challenge=season["challenge"], user=gus)  # opts in later
    ranking = challenge_ranking_for(season["bob"], season["challenge"], limit=2, today=LAST)
    assert _rows(ranking) == [(1, "Gus", 7, 2, True), (2, "Ann", 6, 2, True)]
    assert (ranking.viewer_row.rank, ranking.viewer_in_rows) == (3, False)


def test_upcoming_and_finished_challenges(season):
    upcoming = challenge_ranking_for(
        season["ann"], season["challenge"], today=FIRST - dt.timedelta(days=1)
    )
    assert upcoming.state == "upcoming" and not upcoming.live and upcoming.joined
    finished = challenge_ranking_for(
        season["ann"], season["challenge"], today=LAST + dt.timedelta(days=1)
    )
    assert finished.state == "finished" and not finished.live
    assert _rows(finished)[0] == (1, "Ann", 6, 2, True)


def test_accepted_invitations_count_for_the_inviter(settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    challenge = _challenge(metric="invite_accepted", reward_every=2)
    inviter = _member("Inviter")
    ChallengeEntry.objects.create(challenge=challenge, user=inviter)
    for index in range(3):
        newcomer = _member(f"New {index}")
        ChallengeEntry.objects.create(challenge=challenge, user=newcomer)
        invitation = Invitation.objects.create(
            inviter=inviter, email=f"x{index}@buzz.example", expires_at=timezone.now()
        )
        ParticipationEvent.objects.create(
            actor=newcomer,
            kind=EventKind.INVITE_ACCEPTED,
            object_type="invites.invitation",
            object_id=invitation.pk,
            occurred_at=_at(dt.date(2026, 10, 10)),
        )
    ranking = challenge_ranking_for(inviter, challenge, today=LAST)
    assert _rows(ranking)[0] == (1, "Inviter", 3, 1, True)
    assert {row.count for row in ranking.rows[1:]} == {0}


# --- defining challenges ------------------------------------------------------------------


def _form(**values):
    data = {
        "title": "Invite month",
        "description": "Bring in your colleagues.",
        "metric": "invite_sent",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-31",
        "reward_every": "5",
        "reward_text": "a coffee",
    }
    data.update(values)
    return data


def test_a_community_manager_creates_and_edits_a_challenge(client):
    manager = _member("Manager", manager=True)
    client.force_login(manager)
    assert client.get("/insights/challenges/new/").status_code == 200
    response = client.post("/insights/challenges/new/", _form())
    challenge = Challenge.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(
        f"/insights/challenges/{challenge.pk}/"
    )
    assert (challenge.metric, challenge.reward_every, challenge.created_by) == (
        "invite_sent",
        5,
        manager,
    )
    response = client.post(f"/insights/challenges/{challenge.pk}/edit/", _form(title="Invite Dec"))
    assert response.status_code == 302
    assert Challenge.objects.get().title == "Invite Dec"
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(f"/insights/challenges/{challenge.pk}/edit/").status_code == 200


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"starts_on": "2026-12-10", "ends_on": "2026-12-09"},
            "ends_on",
            "The last day cannot be before the first day.",
        ),
        (
            {"starts_on": "2026-12-01", "ends_on": "2027-06-01"},  # 183 days
            "ends_on",
            "A challenge lasts at most 26 weeks.",
        ),
        ({"reward_every": "0"}, "reward_every", "The reward needs at least 1 contribution."),
        ({"title": ""}, "title", "This field is required."),
        ({"metric": "read"}, "metric", "Select a valid choice."),
    ],
)
def test_invalid_challenges_are_refused_with_clear_messages(client, values, field, message):
    client.force_login(_member("Manager", manager=True))
    response = client.post("/insights/challenges/new/", _form(**values))
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert message in response.content.decode()
    assert not Challenge.objects.exists()


def test_exactly_26_weeks_and_a_one_day_challenge_are_fine():
    manager = _member("Manager", manager=True)
    long = _form(starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2027, 5, 31))  # 182 days
    long["reward_every"] = 5
    challenge_create(actor=manager, **long)
    one = _form(starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2026, 12, 1), reward_every=1)
    challenge_create(actor=manager, **one)
    assert Challenge.objects.count() == 2


def test_only_community_managers_and_staff_define_challenges(client):
    challenge = _challenge()
    mt_member = _member("MT member")
    mt_member.profile.is_mt_member = True  # reads insights, does not run challenges
    mt_member.profile.save()
    for user in (_member("Plain"), mt_member):
        client.force_login(user)
        assert client.get("/insights/challenges/new/").status_code == 403
        assert client.post("/insights/challenges/new/", _form()).status_code == 403
        assert client.get(f"/insights/challenges/{challenge.pk}/edit/").status_code == 403
        response = client.post(f"/insights/challenges/{challenge.pk}/edit/", _form(title="X"))
        assert response.status_code == 403
        assert "New challenge" not in client.get("/insights/challenges/").content.decode()
    assert Challenge.objects.get().title == "Share season"
    with pytest.raises(PermissionDenied):
        challenge_create(actor=mt_member, **_form())


def test_what_counts_and_the_first_day_are_fixed_once_started():
    manager = _member("Manager", manager=True)
    today = timezone.localdate()
    challenge = _challenge(
        starts_on=today - dt.timedelta(days=2), ends_on=today + dt.timedelta(days=9)
    )
    with pytest.raises(ValidationError) as refused:
        challenge_update(actor=manager, challenge=challenge, metric="post")
    assert "metric" in refused.value.message_dict
    updated = challenge_update(
        actor=manager, challenge=challenge, ends_on=today + dt.timedelta(days=20), title="Longer"
    )
    assert (updated.title, updated.ends_on, updated.metric) == (
        "Longer",
        today + dt.timedelta(days=20),
        "share",
    )


def test_the_edit_form_shows_locked_fields_of_a_running_challenge(client):
    client.force_login(_member("Manager", manager=True))
    today = timezone.localdate()
    challenge = _challenge(
        starts_on=today - dt.timedelta(days=2), ends_on=today + dt.timedelta(days=9)
    )
    data = _form(
        metric="post",
        starts_on=today.isoformat(),
        ends_on=(today + dt.timedelta(days=9)).isoformat(),
    )
    assert client.post(f"/insights/challenges/{challenge.pk}/edit/", data).status_code == 302
    challenge.refresh_from_db()
    assert (challenge.metric, challenge.starts_on) == ("share", today - dt.timedelta(days=2))


# --- taking part --------------------------------------------------------------------------


def _running(**values) -> Challenge:
    today = timezone.localdate()
    return _challenge(
        starts_on=today - dt.timedelta(days=3), ends_on=today + dt.timedelta(days=30), **values
    )


def test_members_opt_in_and_out_before_the_end(client):
    member = _member("Member")
    challenge = _running()
    client.force_login(member)
    url = f"/insights/challenges/{challenge.pk}/"
    assert client.get(f"{url}join/").status_code == 405
    assert client.post(f"{url}join/").status_code == 302
    assert client.post(f"{url}join/").status_code == 302  # twice: still one entry
    assert ChallengeEntry.objects.filter(challenge=challenge, user=member).count() == 1
    page = client.get(url).content.decode()
    assert "Stop taking part" in page and "You: 0, place 1." in page
    client.post(f"{url}leave/")
    assert not ChallengeEntry.objects.exists()
    today = timezone.localdate()
    ended = _challenge(
        starts_on=today - dt.timedelta(days=30), ends_on=today - dt.timedelta(days=1)
    )
    response = client.post(f"/insights/challenges/{ended.pk}/join/", follow=True)
    assert "This challenge has ended." in response.content.decode()
    assert not ChallengeEntry.objects.exists()
    ChallengeEntry.objects.create(challenge=ended, user=member)
    with pytest.raises(ValidationError):
        challenge_leave(actor=member, challenge=ended)
    with pytest.raises(ValidationError):
        challenge_join(actor=member, challenge=ended)
    assert ChallengeEntry.objects.filter(challenge=ended).count() == 1


def test_opting_in_needs_the_csrf_token():
    challenge = _running()
    client = Client(enforce_csrf_checks=True)
    client.force_login(_member("Member"))
    assert client.post(f"/insights/challenges/{challenge.pk}/join/").status_code == 403
    assert not ChallengeEntry.objects.exists()


def test_pages_need_login_and_missing_challenges_are_404(client):
    assert client.get("/insights/challenges/").status_code == 302
    client.force_login(_member("Member"))
    assert client.get("/insights/challenges/999/").status_code == 404


def test_the_running_ranking_is_polled_every_30_seconds(client):
    member = _member("Member")
    running = _running()
    client.force_login(member)
    page = client.get(f"/insights/challenges/{running.pk}/").content.decode()
    assert 'hx-trigger="every 30s"' in page
    assert f'hx-get="/insights/challenges/{running.pk}/ranking/"' in page
    assert "Nobody takes part yet." in page
    fragment = client.get(f"/insights/challenges/{running.pk}/ranking/").content.decode()
    assert fragment.startswith('<section id="challenge-ranking"') and "<html" not in fragment
    today = timezone.localdate()
    ended = _challenge(
        starts_on=today - dt.timedelta(days=30), ends_on=today - dt.timedelta(days=1)
    )
    assert "every 30s" not in client.get(f"/insights/challenges/{ended.pk}/").content.decode()


def test_the_list_shows_running_upcoming_and_finished_challenges(client):
    member = _member("Member")
    client.force_login(member)
    assert "No challenges yet." in client.get("/insights/challenges/").content.decode()
    today = timezone.localdate()
    running = _running(title="Running one")
    _challenge(
        title="Later one",
        starts_on=today + dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=9),
    )
    _challenge(
        title="Old one",
        starts_on=today - dt.timedelta(days=9),
        ends_on=today - dt.timedelta(days=3),
    )
    ChallengeEntry.objects.create(challenge=running, user=member)
    lists = challenges_for(member)
    assert [c.title for c in lists.running] == ["Running one"]
    assert [c.title for c in lists.upcoming] == ["Later one"]
    assert [c.title for c in lists.finished] == ["Old one"]
    assert (lists.running[0].entrants, lists.running[0].joined) == (1, True)
    page = client.get("/insights/challenges/").content.decode()
    assert "Every 3 hub shares earn a lunch." in page and "You take part" in page


def test_challenge_pages_have_constant_queries(client):
    viewer = _member("Viewer")
    challenge = _running()
    ChallengeEntry.objects.create(challenge=challenge, user=viewer)
    _shares(viewer, 1, timezone.now())
    client.force_login(viewer)

    def grow():
        for index in range(6):
            entrant = _member(f"Entrant {index}")
            ChallengeEntry.objects.create(challenge=challenge, user=entrant)
            _shares(entrant, index, timezone.now())
            if index % 3 == 0:
                ranking_preference_set(actor=entrant, hidden=True)
        _running(title="Another")

    for url in (
        "/insights/challenges/",
        f"/insights/challenges/{challenge.pk}/",
        f"/insights/challenges/{challenge.pk}/ranking/",
    ):
        assert_constant_query_count(lambda url=url: client.get(url), grow)
