from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone

from feed.models import Comment, Post
from groups.models import Group


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
