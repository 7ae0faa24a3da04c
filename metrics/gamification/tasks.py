"""Background work of gamification, run by the task backend."""

import datetime as dt

from django.tasks import task
from django.utils import timezone

from .services import badges_award, member_points_recompute, points_refresh


@task
def gamification_refresh_recent(days: int = 2) -> int:
    """Recount yesterday and today, then the points and badges of the members
    concerned (run hourly next to the rollups; re-running is harmless).
    Returns the badges awarded."""
    today = timezone.localdate()
    return points_refresh(first=today - dt.timedelta(days=days - 1), last=today).awards


@task
def gamification_points_recompute() -> int:
    """After an admin changed a weight: every member's points from the daily
    counts (no event is read again)."""
    return member_points_recompute()


@task
def gamification_badges_award() -> int:
    """After an admin added or changed a badge: check every member."""
    return badges_award()
