from __future__ import annotations

from django.db.models import QuerySet

from .models import Invitation, Redemption


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
