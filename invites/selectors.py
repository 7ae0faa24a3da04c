from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from groups.models import Membership, Visibility
from groups.selectors import group_directory_for
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
    state = OnboardingState.objects.filter(user_id=user.pk).first()
    profile = getattr(user, "profile", None)
    steps = [
        OnboardingStep("photo", _("Add a photo"), bool(profile and profile.photo_avatar)),
        OnboardingStep(
            "expertise", _("Add your expertise"), bool(profile and profile.expertise.exists())
        ),
        OnboardingStep("follow", _("Follow colleagues"), following_of(user).exists()),
        OnboardingStep(
            "groups", _("Join groups"), Membership.objects.filter(user_id=user.pk).exists()
        ),
        OnboardingStep(
            "guidelines",
            _("Read the community guidelines"),
            bool(state and state.guidelines_read_at),
        ),
    ]
    return Onboarding(steps=steps, dismissed=bool(state and state.dismissed_at))


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
