from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.models import TaggedItem

from groups.models import Membership, Visibility
from groups.selectors import group_directory_for
from metrics.models import ParticipationEvent
from profiles.models import Profile
from profiles.selectors import follow_suggestions_for, following_of

from .models import Invitation, OnboardingState, Redemption


def invitations_of(user) -> QuerySet[Invitation]:
    """The member's own invitations, newest first, with who joined through them."""
    return (
        Invitation.objects.filter(inviter_id=user.pk)
        .prefetch_related("redemptions__user__profile")
        .order_by("-created_at", "-pk")
    )


def inviter_of(user):
    """Who brought this member in (None for founders and admin-made accounts)."""
    redemption = (
        Redemption.objects.filter(user_id=user.pk)
        .select_related("invitation__inviter__profile")
        .first()
    )
    return redemption.invitation.inviter if redemption else None


@dataclass(frozen=True)
class OnboardingStep:
    key: str
    label: str
    done: bool


@dataclass(frozen=True)
class Onboarding:
    steps: list[OnboardingStep]
    dismissed: bool

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def finished(self) -> bool:
        return self.dismissed or self.done_count == len(self.steps)


def onboarding_for(user) -> Onboarding:
    """The guided start: five steps, read from what the member has done."""
    # One query (it runs on every home page load): each step is a subquery.
    state = OnboardingState.objects.filter(user_id=OuterRef("pk"))
    profile = Profile.objects.filter(user_id=OuterRef("pk"))
    expertise = TaggedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(Profile), object_id=OuterRef("profile__pk")
    )
    done = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values(
            step_photo=Subquery(profile.values("photo_avatar")[:1]),
            step_expertise=Exists(expertise),
            step_follow=Exists(following_of(user)),
            step_groups=Exists(Membership.objects.filter(user_id=OuterRef("pk"))),
            step_guidelines=Subquery(state.values("guidelines_read_at")[:1]),
            step_dismissed=Subquery(state.values("dismissed_at")[:1]),
        )
        .first()
    ) or {}
    steps = [
        OnboardingStep("photo", _("Add a photo"), bool(done.get("step_photo"))),
        OnboardingStep("expertise", _("Add your expertise"), bool(done.get("step_expertise"))),
        OnboardingStep("follow", _("Follow colleagues"), bool(done.get("step_follow"))),
        OnboardingStep("groups", _("Join groups"), bool(done.get("step_groups"))),
        OnboardingStep(
            "guidelines", _("Read the community guidelines"), bool(done.get("step_guidelines"))
        ),
    ]
    return Onboarding(steps=steps, dismissed=bool(done.get("step_dismissed")))


def suggested_colleagues_for(user, *, limit: int = 6):
    """Who to follow first: the inviter, then colleagues of the same department."""
    inviter = inviter_of(user)
    suggestions = list(follow_suggestions_for(user, limit=limit))
    if (
        inviter is not None
        and inviter.is_active
        and not following_of(user).filter(followed=inviter).exists()
    ):
        inviter_profile = getattr(inviter, "profile", None)
        if inviter_profile is not None:
            suggestions = [inviter_profile] + [p for p in suggestions if p.user_id != inviter.pk]
    return suggestions[:limit]


def suggested_groups_for(user, *, limit: int = 5):
    """Open groups the member is not in yet, biggest first."""
    return (
        group_directory_for(user, visibility=Visibility.OPEN)
        .exclude(memberships__user_id=user.pk)
        .order_by("-member_count", "name")[:limit]
    )


# --- growth insight -----------------------------------------------------------------


@dataclass(frozen=True)
class InviterStats:
    sent: int
    accepted: int
    pending: int

    @property
    def acceptance_rate(self) -> float:
        return self.accepted / self.sent if self.sent else 0.0


def inviter_stats_for(user) -> InviterStats:
    """One member's invitations: sent, accepted (people who joined), still open."""
    now = timezone.now()
    mine = Invitation.objects.filter(inviter_id=user.pk)
    return InviterStats(
        sent=mine.count(),
        accepted=Redemption.objects.filter(invitation__inviter_id=user.pk).count(),
        pending=mine.filter(
            revoked_at__isnull=True, uses__lt=F("max_uses"), expires_at__gt=now
        ).count(),
    )


@dataclass
class TreeNode:
    user_id: int
    name: str
    depth: int
    children: list[TreeNode] = field(default_factory=list)


def invite_tree() -> list[TreeNode]:
    """Who brought whom: roots are members who joined without an invitation and
    brought someone in; depth counts the generations (two queries)."""
    names = dict(Profile.objects.values_list("user_id", "display_name"))
    edges = list(Redemption.objects.values_list("invitation__inviter_id", "user_id"))
    children: dict[int, list[int]] = defaultdict(list)
    invited = set()
    for inviter_id, user_id in edges:
        if inviter_id is not None:
            children[inviter_id].append(user_id)
            invited.add(user_id)

    def build(user_id: int, depth: int) -> TreeNode:
        node = TreeNode(user_id, names.get(user_id, "?"), depth)
        node.children = [build(child, depth + 1) for child in sorted(children.get(user_id, []))]
        return node

    return [build(root, 0) for root in sorted(set(children) - invited)]


def tree_depth(nodes: list[TreeNode]) -> int:
    return max((max(node.depth, tree_depth(node.children)) for node in nodes), default=0)


@dataclass(frozen=True)
class MonthGrowth:
    month: str
    sent: int
    accepted: int
    active_inviters: int

    @property
    def viral_coefficient(self) -> float:
        """Accepted invitations per member who invited that month."""
        return self.accepted / self.active_inviters if self.active_inviters else 0.0


def growth_by_month() -> list[MonthGrowth]:
    """Invitations sent, accepted and inviters per calendar month."""
    sent = dict(
        Invitation.objects.annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    inviters = dict(
        Invitation.objects.annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("inviter", distinct=True))
        .values_list("month", "n")
    )
    accepted = dict(
        Redemption.objects.annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    months = sorted(set(sent) | set(accepted))
    return [
        MonthGrowth(
            month.strftime("%Y-%m"),
            sent.get(month, 0),
            accepted.get(month, 0),
            inviters.get(month, 0),
        )
        for month in months
    ]


def invite_conversion(*, active_days: int = 30) -> dict[str, int]:
    """invite -> sign-up -> still active (seen in the last `active_days` days)."""
    since = timezone.now() - dt.timedelta(days=active_days)
    joined = Redemption.objects.values("user_id")
    active = (
        ParticipationEvent.objects.filter(actor_id__in=joined, occurred_at__gte=since)
        .values("actor_id")
        .distinct()
        .count()
    )
    return {
        "invited": Invitation.objects.count(),
        "signed_up": Redemption.objects.count(),
        "active": active,
    }


def inviter_leaderboard(*, limit: int = 10):
    """Members who brought in the most colleagues."""
    return (
        Redemption.objects.values(
            "invitation__inviter_id", "invitation__inviter__profile__display_name"
        )
        .annotate(accepted=Count("pk"))
        .order_by("-accepted", "invitation__inviter_id")[:limit]
    )


def joined_through_invitation(
    start: dt.datetime, end: dt.datetime
) -> list[tuple[int, dt.datetime]]:
    """(user id, joined at) of colleagues who joined through an invitation in
    [start, end): the cohort of the insights' invite funnel."""
    return list(
        Redemption.objects.filter(created_at__gte=start, created_at__lt=end)
        .order_by("created_at", "pk")
        .values_list("user_id", "created_at")
    )
