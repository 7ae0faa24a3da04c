from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from feed.models import Comment, Post
from groups.models import Group
from groups.selectors import not_in_secret_group
from profiles.models import Profile

from .models import EventKind, ParticipationEvent


@dataclass(frozen=True)
class CommunityTotals:
    members: int
    groups: int
    posts_last_30_days: int
    comments_last_30_days: int


def community_totals(*, now: dt.datetime | None = None) -> CommunityTotals:
    """Headline counts for the insights page (counts only: no content leaks)."""
    since = (now or timezone.now()) - dt.timedelta(days=30)
    return CommunityTotals(
        members=get_user_model().objects.filter(is_active=True).count(),
        groups=Group.objects.filter(archived_at__isnull=True).count(),
        posts_last_30_days=Post.objects.filter(
            created_at__gte=since, deleted_at__isnull=True
        ).count(),
        comments_last_30_days=Comment.objects.filter(
            created_at__gte=since, deleted_at__isnull=True
        ).count(),
    )


def may_read_insights(user) -> bool:
    """Community managers, MT members and staff read metrics."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    profile = getattr(user, "profile", None)
    return bool(profile and (profile.is_community_manager or profile.is_mt_member))


# --- the leadership board ------------------------------------------------------------------

LEADERSHIP_KINDS = (EventKind.POST, EventKind.COMMENT, EventKind.KUDOS, EventKind.SHARE)
TEAM_MINIMUM = 5  # like departments: no figures about fewer than five people


@dataclass
class LeaderRow:
    profile: Profile
    posts: int = 0
    comments: int = 0
    kudos: int = 0
    shares: int = 0

    @property
    def total(self) -> int:
        return self.posts + self.comments + self.kudos + self.shares


@dataclass
class TeamFigures:
    size: int
    active: int = 0
    posts: int = 0
    comments: int = 0
    kudos: int = 0
    shares: int = 0

    @property
    def shown(self) -> bool:
        return self.size >= TEAM_MINIMUM


def month_start(now: dt.datetime | None = None) -> dt.datetime:
    local = timezone.localtime(now or timezone.now())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _counts(actor_ids, since: dt.datetime) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {}
    for row in (
        ParticipationEvent.objects.filter(
            actor_id__in=actor_ids, kind__in=LEADERSHIP_KINDS, occurred_at__gte=since
        )
        .filter(not_in_secret_group())
        .values("actor_id", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts.setdefault(row["actor_id"], {})[row["kind"]] = row["n"]
    return counts


def leadership_board(*, now: dt.datetime | None = None) -> list[LeaderRow]:
    """Every active MT member and manager with this month's posts, comments,
    kudos given and shares, most active first: shown to all members, so leaders
    visibly take part. Read live from the month's events (indexed by actor and
    time), three queries whatever the number of leaders."""
    leaders = list(
        Profile.objects.filter(Q(is_mt_member=True) | Q(is_manager=True), user__is_active=True)
        .select_related("user", "department")
        .order_by("display_name", "pk")
    )
    counts = _counts([leader.user_id for leader in leaders], month_start(now))
    rows = []
    for leader in leaders:
        mine = counts.get(leader.user_id, {})
        rows.append(
            LeaderRow(
                profile=leader,
                posts=mine.get(EventKind.POST, 0),
                comments=mine.get(EventKind.COMMENT, 0),
                kudos=mine.get(EventKind.KUDOS, 0),
                shares=mine.get(EventKind.SHARE, 0),
            )
        )
    return sorted(rows, key=lambda row: (-row.total, row.profile.display_name, row.profile.pk))


def team_figures_for(manager, *, now: dt.datetime | None = None) -> TeamFigures | None:
    """A manager's direct reports together this month (never per person), from
    five reports on; None for someone who manages nobody."""
    profile = getattr(manager, "profile", None)
    if profile is None:
        return None
    reports = list(
        Profile.objects.filter(manager=profile, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )
    if not reports:
        return None
    figures = TeamFigures(size=len(reports))
    if not figures.shown:
        return figures
    counts = _counts(reports, month_start(now))
    figures.active = len(counts)
    for mine in counts.values():
        figures.posts += mine.get(EventKind.POST, 0)
        figures.comments += mine.get(EventKind.COMMENT, 0)
        figures.kudos += mine.get(EventKind.KUDOS, 0)
        figures.shares += mine.get(EventKind.SHARE, 0)
    return figures
