"""Gamification writes: recomputing points, awarding badges, challenges and the
ranking preference. Recomputations are idempotent: running them again gives the
same tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import batched

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    Badge,
    BadgeAward,
    Challenge,
    ChallengeEntry,
    DailyContribution,
    MemberPoints,
    ParticipationEvent,
    PointsWeight,
    RankingPreference,
)
from .selectors import (
    FINISHED,
    ONCE_PER_OBJECT_KINDS,
    UPCOMING,
    challenge_state,
    contribution_events,
    day_bounds,
    may_manage_challenges,
    month_start,
    week_start,
)

BATCH = 1000
CHUNK_DAYS = 7


# --- points -------------------------------------------------------------------------------


@transaction.atomic
def contributions_recompute(*, first: dt.date, last: dt.date) -> set[int]:
    """Recompute the daily contribution counts of `first`..`last` (inclusive,
    site time zone) from the events; the days' rows are replaced. One grouped
    query. Returns the ids of the members whose counts may have changed."""
    if last < first:
        raise ValueError("last day before first day")
    start, end = day_bounds(first, last)
    days = DailyContribution.objects.filter(day__gte=first, day__lte=last)
    touched = set(days.values_list("user_id", flat=True).distinct())
    days.delete()
    grouped = (
        contribution_events()
        .filter(occurred_at__gte=start, occurred_at__lt=end, member__isnull=False)
        .annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
        .values("member", "day", "kind")
        .annotate(events=Count("pk"), objects=Count("object_id", distinct=True))
        .order_by()
    )
    rows = []
    for row in grouped:
        once = row["kind"] in ONCE_PER_OBJECT_KINDS and row["objects"]
        rows.append(
            DailyContribution(
                user_id=row["member"],
                day=row["day"],
                kind=row["kind"],
                count=row["objects"] if once else row["events"],
            )
        )
    DailyContribution.objects.bulk_create(rows, batch_size=2000)
    return touched | {row.user_id for row in rows}


def _points() -> Case | None:
    weights = dict(PointsWeight.objects.filter(points__gt=0).values_list("kind", "points"))
    if not weights:
        return None
    return Case(
        *[When(kind=kind, then=F("count") * Value(points)) for kind, points in weights.items()],
        default=Value(0),
        output_field=IntegerField(),
    )


@transaction.atomic
def member_points_recompute(
    *, user_ids: Iterable[int] | None = None, today: dt.date | None = None
) -> int:
    """Recompute members' points this week, this month and in all from the daily
    counts and the current weights: the given members, or everyone (after a
    weight change). One grouped query per thousand members. Returns the
    number of members with points written."""
    today = today or timezone.localdate()
    points = _points()
    this_week, this_month = week_start(today), month_start(today)

    def totals(counts) -> list[MemberPoints]:
        if points is None:
            return []
        now = timezone.now()
        grouped = (
            counts.values("user_id")
            .annotate(
                week=Coalesce(Sum(points, filter=Q(day__gte=this_week)), 0),
                month=Coalesce(Sum(points, filter=Q(day__gte=this_month)), 0),
                total=Coalesce(Sum(points), 0),
            )
            .filter(total__gt=0)
            .order_by()
        )
        return [
            MemberPoints(
                user_id=row["user_id"],
                week_start=this_week,
                week_points=row["week"],
                month_start=this_month,
                month_points=row["month"],
                total_points=row["total"],
                updated_at=now,
            )
            for row in grouped
        ]

    written = 0
    if user_ids is None:
        MemberPoints.objects.all().delete()
        rows = totals(DailyContribution.objects.all())
        MemberPoints.objects.bulk_create(rows, batch_size=2000)
        return len(rows)
    for batch in batched(sorted(set(user_ids)), BATCH):
        rows = totals(DailyContribution.objects.filter(user_id__in=batch))
        MemberPoints.objects.filter(user_id__in=batch).delete()
        MemberPoints.objects.bulk_create(rows)
        written += len(rows)
    return written


@dataclass
class Refreshed:
    days: int = 0
    members: set[int] = field(default_factory=set)
    awards: int = 0


def points_refresh(
    *,
    first: dt.date,
    last: dt.date,
    on_chunk: Callable[[int], None] | None = None,
    today: dt.date | None = None,
) -> Refreshed:
    """Recompute `first`..`last` a week at a time (each week in its own
    transaction), then the points and badges of the members concerned. What the
    hourly task and `gamification_rebuild` run."""
    if last < first:
        raise ValueError("last day before first day")
    done = Refreshed()
    chunk_start = first
    while chunk_start <= last:
        chunk_end = min(chunk_start + dt.timedelta(days=CHUNK_DAYS - 1), last)
        done.members |= contributions_recompute(first=chunk_start, last=chunk_end)
        days = (chunk_end - chunk_start).days + 1
        done.days += days
        if on_chunk is not None:
            on_chunk(days)
        chunk_start = chunk_end + dt.timedelta(days=1)
    member_points_recompute(user_ids=done.members, today=today)
    done.awards = badges_award(users=done.members)
    return done


def first_event_day() -> dt.date | None:
    first = ParticipationEvent.objects.order_by("occurred_at").values_list(
        "occurred_at", flat=True
    )[:1]
    return timezone.localdate(first[0]) if first else None


# --- badges -------------------------------------------------------------------------------


def badges_award(*, users: Iterable[int] | None = None, now: dt.datetime | None = None) -> int:
    """Award every active badge to the active members whose contribution count
    of its kind reached its threshold and who do not have it yet: one grouped
    query per badge (per thousand members when `users` is given). Only missing
    awards are inserted, so a second run awards nothing. Returns the awards made.

    Each new award is told to its member once, through feed.services.notify (their
    preference for badges, pushed and emailed after commit), in the transaction
    that inserts it: a rolled-back award tells nobody. Concurrent runs take turns
    per badge (its row is locked), so the second sees the first's awards and
    neither awards nor notifies twice; the unique constraint stays the backstop."""
    from feed.models import NotificationKind  # feed imports metrics
    from feed.services import notify

    now = now or timezone.now()
    batches: list[tuple[int, ...] | None] = (
        [None] if users is None else list(batched(sorted(set(users)), BATCH))
    )
    awarded = 0
    for badge in Badge.objects.filter(is_active=True).order_by("pk"):
        for batch in batches:
            with transaction.atomic():
                # Runs take turns per badge: the next one sees these awards.
                list(Badge.objects.select_for_update().filter(pk=badge.pk).values_list("pk"))
                counts = DailyContribution.objects.filter(kind=badge.kind, user__is_active=True)
                if batch is not None:
                    counts = counts.filter(user_id__in=batch)
                earners = list(
                    counts.filter(
                        ~Exists(BadgeAward.objects.filter(badge=badge, user_id=OuterRef("user_id")))
                    )
                    .values("user_id")
                    .annotate(n=Sum("count"))
                    .filter(n__gte=badge.threshold)
                    .order_by("user_id")
                    .values_list("user_id", flat=True)
                )
                BadgeAward.objects.bulk_create(
                    [
                        BadgeAward(user_id=user_id, badge=badge, awarded_at=now)
                        for user_id in earners
                    ],
                    ignore_conflicts=True,
                )
                for user_id in earners:
                    notify(
                        recipient_id=user_id,
                        kind=NotificationKind.BADGE,
                        actor=None,
                        text=str(badge),
                    )
                awarded += len(earners)
    return awarded


# --- the ranking preference ---------------------------------------------------------------


def ranking_preference_set(*, actor, hidden: bool) -> RankingPreference:
    """A member hides themself from (or shows themself on) public rankings."""
    preference, _created = RankingPreference.objects.update_or_create(
        user=actor, defaults={"hidden_from_rankings": hidden, "updated_at": timezone.now()}
    )
    return preference


# --- challenges ---------------------------------------------------------------------------

CHALLENGE_FIELDS = (
    "title",
    "description",
    "metric",
    "starts_on",
    "ends_on",
    "reward_every",
    "reward_text",
)
#: Fixed once a challenge has started: changing them would rewrite the ranking.
LOCKED_WHEN_STARTED = ("metric", "starts_on")


def _check_manager(actor) -> None:
    if not may_manage_challenges(actor):
        raise PermissionDenied(_("Only community managers create and edit challenges."))


@transaction.atomic
def challenge_create(*, actor, **values) -> Challenge:
    """A community manager defines a challenge."""
    _check_manager(actor)
    challenge = Challenge(created_by=actor, **{name: values[name] for name in CHALLENGE_FIELDS})
    challenge.full_clean()
    challenge.save()
    return challenge


@transaction.atomic
def challenge_update(*, actor, challenge: Challenge, **values) -> Challenge:
    """A community manager edits a challenge; once it has started, what counts
    and its first day stay as they were."""
    _check_manager(actor)
    stored = Challenge.objects.select_for_update().get(pk=challenge.pk)
    if challenge_state(stored) != UPCOMING:
        changed = [
            name
            for name in LOCKED_WHEN_STARTED
            if name in values and values[name] != getattr(stored, name)
        ]
        if changed:
            raise ValidationError(
                {name: _("This cannot change once the challenge has started.") for name in changed}
            )
    for name in CHALLENGE_FIELDS:
        if name in values:
            setattr(stored, name, values[name])
    stored.updated_at = timezone.now()
    stored.full_clean()
    stored.save()
    return stored


def challenge_join(*, actor, challenge: Challenge) -> ChallengeEntry:
    """A member opts in, before the challenge ends (joining twice is harmless)."""
    if challenge_state(challenge) == FINISHED:
        raise ValidationError(_("This challenge has ended."))
    entry, _created = ChallengeEntry.objects.get_or_create(challenge=challenge, user=actor)
    return entry


def challenge_leave(*, actor, challenge: Challenge) -> None:
    """A member opts out before the challenge ends; after it the ranking stays."""
    if challenge_state(challenge) == FINISHED:
        raise ValidationError(_("This challenge has ended."))
    ChallengeEntry.objects.filter(challenge=challenge, user=actor).delete()
