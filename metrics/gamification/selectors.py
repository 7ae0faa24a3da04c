"""Gamification reads with rules: what counts, who is ranked, who sees what.

Every ranking here is shown to all members, so it follows the rules of public
figures: nothing from secret groups, no deactivated members, and members hidden
from rankings are left out for everyone but themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.expressions import BaseExpression
from django.shortcuts import get_object_or_404
from django.utils import timezone

from groups.selectors import is_community_manager, not_in_secret_group
from invites.models import Invitation
from profiles.models import Department, Profile

from ..days import day_bounds
from ..models import (
    CONTRIBUTION_KINDS,
    BadgeAward,
    Challenge,
    ChallengeEntry,
    EventKind,
    MemberPoints,
    ParticipationEvent,
    RankingPreference,
)

#: Acts a member can undo and redo (unreact, react again): counted once per
#: object, so toggling earns nothing.
ONCE_PER_OBJECT_KINDS = frozenset(
    {
        EventKind.REACT,
        EventKind.FOLLOW,
        EventKind.JOIN_GROUP,
        EventKind.ACCEPTED_ANSWER,
        EventKind.ENDORSEMENT,
    }
)


# --- what counts --------------------------------------------------------------------------


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _inviter() -> Subquery:
    return Subquery(
        Invitation.objects.filter(pk=OuterRef("object_id")).values("inviter_id")[:1],
        output_field=BigIntegerField(),
    )


def credited_member(kind: str | None = None) -> BaseExpression:
    """Whose contribution an event is: its actor, except for an accepted
    invitation, whose actor is the newcomer and which credits the inviter.
    With `kind` known, the plain column (so the actor index serves)."""
    if kind == EventKind.INVITE_ACCEPTED:
        return _inviter()
    if kind is not None:
        return F("actor_id")
    return Case(
        When(kind=EventKind.INVITE_ACCEPTED, then=_inviter()),
        default=F("actor_id"),
        output_field=BigIntegerField(),
    )


def contribution_events(kind: str | None = None) -> QuerySet[ParticipationEvent]:
    """Events as public rankings count them, annotated with the credited
    `member`: contribution kinds only, never in secret groups."""
    kinds = [kind] if kind is not None else list(CONTRIBUTION_KINDS)
    return (
        ParticipationEvent.objects.filter(kind__in=kinds)
        .filter(not_in_secret_group())
        .annotate(member=credited_member(kind))
    )


def contribution_count(kind: str) -> Count:
    """How a kind is counted: acts that can be undone and redone once per object."""
    if kind in ONCE_PER_OBJECT_KINDS:
        return Count("object_id", distinct=True)
    return Count("pk")


def _hidden(user_ref: str = "user_id") -> Exists:
    return Exists(
        RankingPreference.objects.filter(user_id=OuterRef(user_ref), hidden_from_rankings=True)
    )


def is_hidden_from_rankings(user) -> bool:
    return RankingPreference.objects.filter(user_id=user.pk, hidden_from_rankings=True).exists()


# --- leaderboards -------------------------------------------------------------------------

PERIODS = ("week", "month", "all")
POINTS_FIELDS = {"week": "week_points", "month": "month_points", "all": "total_points"}
LEADERBOARD_SIZE = 20


@dataclass(frozen=True)
class BoardRow:
    rank: int
    profile: Profile
    points: int
    is_viewer: bool = False


@dataclass
class Leaderboard:
    period: str
    department: Department | None
    rows: list[BoardRow]
    viewer_points: int = 0
    # The viewer's place among the members others see; None without points or
    # when the board is of a department that is not theirs.
    viewer_rank: int | None = None
    viewer_hidden: bool = False
    viewer_in_scope: bool = True

    @property
    def viewer_in_rows(self) -> bool:
        return any(row.is_viewer for row in self.rows)


def _ranked_points(period: str, today: dt.date) -> QuerySet[MemberPoints]:
    """Members with points in the period who may appear on public boards."""
    points = POINTS_FIELDS[period]
    members = MemberPoints.objects.filter(
        user__is_active=True, user__profile__isnull=False, **{f"{points}__gt": 0}
    )
    if period == "week":
        members = members.filter(week_start=week_start(today))
    elif period == "month":
        members = members.filter(month_start=month_start(today))
    return members.filter(~_hidden())


def _points_in(row: MemberPoints | None, period: str, today: dt.date) -> int:
    if row is None:
        return 0
    if period == "week":
        return row.week_points if row.week_start == week_start(today) else 0
    if period == "month":
        return row.month_points if row.month_start == month_start(today) else 0
    return row.total_points


def leaderboard_for(
    viewer,
    *,
    period: str = "week",
    department: Department | None = None,
    limit: int = LEADERBOARD_SIZE,
    today: dt.date | None = None,
) -> Leaderboard:
    """The top members by points this week, this month or in all, of everyone
    or of one department (the member's department today), with the viewer's own
    points and place even outside the top or hidden. Deactivated and hidden
    members are no rows and no rank positions. Ties share a rank and are listed
    by name. At most five queries, whatever the number of members."""
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}")
    today = today or timezone.localdate()
    points = POINTS_FIELDS[period]
    ranked = _ranked_points(period, today)
    if department is not None:
        ranked = ranked.filter(user__profile__department=department)
    top = ranked.select_related("user__profile__department").order_by(
        f"-{points}", "user__profile__display_name", "user_id"
    )[:limit]
    rows: list[BoardRow] = []
    rank, previous = 0, None
    for position, member in enumerate(top, start=1):
        value = getattr(member, points)
        if value != previous:
            rank, previous = position, value
        rows.append(
            BoardRow(
                rank=rank,
                profile=member.user.profile,
                points=value,
                is_viewer=member.user_id == viewer.pk,
            )
        )
    board = Leaderboard(period=period, department=department, rows=rows)
    board.viewer_hidden = is_hidden_from_rankings(viewer)
    profile = getattr(viewer, "profile", None)
    board.viewer_in_scope = department is None or (
        profile is not None and profile.department_id == department.pk
    )
    own = MemberPoints.objects.filter(user_id=viewer.pk).first()
    board.viewer_points = _points_in(own, period, today)
    if board.viewer_in_scope and board.viewer_points > 0:
        board.viewer_rank = ranked.filter(**{f"{points}__gt": board.viewer_points}).count() + 1
    return board


# --- badges -------------------------------------------------------------------------------


def badges_of(user_id: int) -> list[BadgeAward]:
    """A member's badges (active ones), in the badges' order: one query."""
    return list(
        BadgeAward.objects.filter(user_id=user_id, badge__is_active=True)
        .select_related("badge")
        .order_by("badge__position", "badge_id")
    )


# --- challenges ---------------------------------------------------------------------------

UPCOMING, RUNNING, FINISHED = "upcoming", "running", "finished"
FINISHED_SHOWN = 10
CHALLENGE_RANKING_SIZE = 50


def may_manage_challenges(user) -> bool:
    """Community managers and staff create and edit challenges."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_staff or is_community_manager(user))


def challenge_state(challenge: Challenge, today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    if today < challenge.starts_on:
        return UPCOMING
    if today > challenge.ends_on:
        return FINISHED
    return RUNNING


def challenge_window(challenge: Challenge) -> tuple[dt.datetime, dt.datetime]:
    """From the first day 00:00 to the day after the last day, site time zone."""
    return day_bounds(challenge.starts_on, challenge.ends_on)


@dataclass
class ChallengeLists:
    running: list[Challenge] = field(default_factory=list)
    upcoming: list[Challenge] = field(default_factory=list)
    finished: list[Challenge] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.running or self.upcoming or self.finished)


def _with_entrants(challenges: QuerySet[Challenge], viewer) -> QuerySet[Challenge]:
    return challenges.annotate(
        entrants=Count("entries", filter=Q(entries__user__is_active=True)),
        joined=Exists(ChallengeEntry.objects.filter(challenge=OuterRef("pk"), user_id=viewer.pk)),
    )


def challenges_for(viewer, *, today: dt.date | None = None) -> ChallengeLists:
    """Running and upcoming challenges (all: a community manager runs a few at
    a time) and the latest finished ones, with how many take part and whether
    the viewer does. Two queries."""
    today = today or timezone.localdate()
    lists = ChallengeLists()
    current = _with_entrants(Challenge.objects.filter(ends_on__gte=today), viewer)
    for challenge in current.order_by("starts_on", "pk"):
        (lists.upcoming if challenge.starts_on > today else lists.running).append(challenge)
    lists.finished = list(
        _with_entrants(Challenge.objects.filter(ends_on__lt=today), viewer).order_by(
            "-ends_on", "-pk"
        )[:FINISHED_SHOWN]
    )
    return lists


def access_challenge(pk: int) -> Challenge:
    """Every member may see every challenge; 404 for one that does not exist."""
    return get_object_or_404(Challenge.objects.select_related("created_by__profile"), pk=pk)


@dataclass(frozen=True)
class ChallengeRow:
    rank: int
    profile: Profile
    count: int
    reward_every: int
    is_viewer: bool = False
    hidden: bool = False

    @property
    def rewards(self) -> int:
        return self.count // self.reward_every

    @property
    def reached(self) -> bool:
        return self.rewards >= 1

    @property
    def to_next(self) -> int:
        return self.reward_every - self.count % self.reward_every


@dataclass
class ChallengeRanking:
    challenge: Challenge
    state: str
    rows: list[ChallengeRow]
    viewer_row: ChallengeRow | None
    entrants: int

    @property
    def live(self) -> bool:
        return self.state == RUNNING

    @property
    def joined(self) -> bool:
        return self.viewer_row is not None

    @property
    def viewer_in_rows(self) -> bool:
        return any(row.is_viewer for row in self.rows)


def _counts_in_window(challenge: Challenge) -> dict[int, int]:
    start, end = challenge_window(challenge)
    entrants = ChallengeEntry.objects.filter(challenge=challenge).values("user_id")
    return dict(
        contribution_events(challenge.metric)
        .filter(occurred_at__gte=start, occurred_at__lt=end, member__in=entrants)
        .values("member")
        .annotate(n=contribution_count(challenge.metric))
        .order_by()
        .values_list("member", "n")
    )


def challenge_ranking_for(
    viewer, challenge: Challenge, *, limit: int = CHALLENGE_RANKING_SIZE, today=None
) -> ChallengeRanking:
    """The live ranking of a challenge's entrants by their contributions of its
    kind inside its window (also those before they opted in), with rewards
    earned (count // reward_every). Others never see deactivated or hidden
    entrants, nor count them as rank positions; the viewer always sees their
    own row. Ties share a rank; among equals the earlier entrant is listed first
    at the cut, the shown rows by name. Three queries whatever the entrants."""
    state = challenge_state(challenge, today)
    entries = list(
        ChallengeEntry.objects.filter(challenge=challenge, user__is_active=True)
        .annotate(hidden=_hidden())
        .order_by("pk")
        .values_list("user_id", "hidden")
    )
    counts = _counts_in_window(challenge) if state != UPCOMING else {}
    visible = sorted(
        ((counts.get(user_id, 0), user_id) for user_id, hidden in entries if not hidden),
        key=lambda item: -item[0],  # stable: entry order among equals
    )
    ranks: dict[int, int] = {}
    rank, previous = 0, None
    for position, (count, user_id) in enumerate(visible, start=1):
        if count != previous:
            rank, previous = position, count
        ranks[user_id] = rank
    shown = [user_id for _count, user_id in visible[:limit]]
    mine = next((hidden for user_id, hidden in entries if user_id == viewer.pk), None)
    wanted = set(shown) | ({viewer.pk} if mine is not None else set())
    profiles = {
        profile.user_id: profile
        for profile in Profile.objects.filter(user_id__in=wanted).select_related("user")
    }

    def row(user_id: int, hidden: bool = False) -> ChallengeRow:
        count = counts.get(user_id, 0)
        return ChallengeRow(
            # A hidden viewer's place is where they would be among the shown.
            rank=ranks.get(user_id) or sum(1 for other, _ in visible if other > count) + 1,
            profile=profiles[user_id],
            count=count,
            reward_every=challenge.reward_every,
            is_viewer=user_id == viewer.pk,
            hidden=hidden,
        )

    rows = sorted(
        (row(user_id) for user_id in shown if user_id in profiles),
        key=lambda r: (r.rank, r.profile.display_name.casefold(), r.profile.user_id),
    )
    viewer_row = row(viewer.pk, hidden=bool(mine)) if viewer.pk in profiles else None
    return ChallengeRanking(
        challenge=challenge, state=state, rows=rows, viewer_row=viewer_row, entrants=len(entries)
    )
