"""Every write of the invitation flow. Tokens: 256 random bits, stored hashed,
one purpose (joining), expiring; nothing here tells a member whether an email
address already has an account."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from community import ratelimit
from feed.models import NotificationKind
from feed.services import notify
from groups.selectors import is_community_manager
from metrics.models import EventKind
from metrics.services import event_record
from profiles.models import Profile
from webhooks.services import webhook_member_joined_emit

from .models import AllowedDomain, Invitation, OnboardingState, Redemption
from .tasks import invitation_deliver


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationUnusable(Exception):
    """A token that is unknown, expired, revoked or used up; `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SendOutcome:
    email: str
    status: str  # "sent", "resent", "throttled"


def domain_allowed(email: str) -> bool:
    domain = email.rsplit("@", 1)[-1].lower()
    allowed = set(settings.BUZZ_INVITE_DOMAINS) | set(
        AllowedDomain.objects.values_list("domain", flat=True)
    )
    return not allowed or domain in allowed or settings.BUZZ_INVITE_GUESTS_ALLOWED


def _quota_left(actor) -> int | None:
    """Invitations the member may still send this month (None: unlimited)."""
    if is_community_manager(actor):
        return None
    start = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    used = Invitation.objects.filter(inviter=actor, created_at__gte=start).count()
    return max(0, settings.BUZZ_INVITES_PER_MONTH - used)


def _clean_emails(emails: Iterable[str]) -> list[str]:
    cleaned = []
    for raw in emails:
        email = raw.strip().lower()
        if not email:
            continue
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(
                _("“%(email)s” is not an email address.") % {"email": raw}
            ) from None
        if not domain_allowed(email):
            raise ValidationError(
                _("%(email)s is outside the organisation: only colleagues may be invited.")
                % {"email": email}
            )
        if email not in cleaned:
            cleaned.append(email)
    if not cleaned:
        raise ValidationError(_("Give at least one email address."))
    return cleaned


@transaction.atomic
def invitation_send(*, actor, emails: Iterable[str], note: str = "") -> list[SendOutcome]:
    """Invite colleagues by email. Inviting an address again resends its open
    invitation (at most once per BUZZ_INVITE_RESEND_MINUTES) instead of making a
    second one. Addresses of existing members are treated exactly like new ones,
    so the answer never reveals who has an account (they are simply not mailed)."""
    addresses = _clean_emails(emails)
    ratelimit.check_invites(actor, count=len(addresses))
    now = timezone.now()
    open_invitations = {
        invitation.email: invitation
        for invitation in Invitation.objects.select_for_update().filter(
            email__in=addresses, revoked_at__isnull=True, uses=0, expires_at__gt=now
        )
    }
    new = [email for email in addresses if email not in open_invitations]
    left = _quota_left(actor)
    if left is not None and len(new) > left:
        raise ValidationError(
            _("You can send %(left)s more invitations this month.") % {"left": left}
        )
    members = set(
        get_user_model().objects.filter(email__in=addresses).values_list("email", flat=True)
    )
    outcomes = []
    resend_after = now - dt.timedelta(minutes=settings.BUZZ_INVITE_RESEND_MINUTES)
    for email in addresses:
        invitation = open_invitations.get(email)
        if (
            invitation is not None
            and invitation.last_sent_at
            and invitation.last_sent_at > resend_after
        ):
            outcomes.append(SendOutcome(email, "throttled"))
            continue
        if invitation is None:
            invitation = Invitation.objects.create(
                inviter=actor,
                email=email,
                note=note.strip()[:500],
                expires_at=now + dt.timedelta(days=settings.BUZZ_INVITE_VALID_DAYS),
            )
            event_record(actor=actor, kind=EventKind.INVITE_SENT, target=invitation)
            status = "sent"
        else:
            status = "resent"
        invitation.last_sent_at, invitation.send_count = now, invitation.send_count + 1
        invitation.save(update_fields=["last_sent_at", "send_count"])
        if email not in members:
            invitation_id = invitation.pk
            transaction.on_commit(lambda pk=invitation_id: invitation_deliver.enqueue(pk))
        outcomes.append(SendOutcome(email, status))
    return outcomes


def invitation_token_rotate(*, invitation: Invitation) -> str:
    """A fresh token for an invitation; the previous one stops working."""
    token = secrets.token_urlsafe(32)
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=token_hash(token))
    return token


@transaction.atomic
def invitation_link_create(
    *, actor, max_uses: int = 25, days: int | None = None
) -> tuple[Invitation, str]:
    """A shareable join link (counts as one invitation against the quota)."""
    if not 1 <= max_uses <= 500:
        raise ValidationError(_("A link can be used between 1 and 500 times."))
    left = _quota_left(actor)
    if left is not None and left < 1:
        raise ValidationError(_("You can send %(left)s more invitations this month.") % {"left": 0})
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        inviter=actor,
        max_uses=max_uses,
        token_hash=token_hash(token),
        expires_at=timezone.now() + dt.timedelta(days=days or settings.BUZZ_INVITE_VALID_DAYS),
    )
    event_record(actor=actor, kind=EventKind.INVITE_SENT, target=invitation)
    return invitation, token


@transaction.atomic
def invitation_revoke(*, actor, invitation: Invitation) -> Invitation:
    """The inviter or an admin withdraws an invitation; its token stops working."""
    if invitation.inviter_id != actor.pk and not actor.is_staff:
        raise PermissionDenied(_("Only the inviter or an admin may revoke this invitation."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


def invitation_for_token(token: str, *, lock: bool = False) -> Invitation:
    """The invitation a token opens, or InvitationUnusable saying why not."""
    queryset = Invitation.objects.select_for_update() if lock else Invitation.objects
    invitation = queryset.filter(token_hash=token_hash(token or "")).first() if token else None
    if invitation is None:
        raise InvitationUnusable("unknown")
    status = invitation.status()
    if status != "pending":
        raise InvitationUnusable(status)
    return invitation


def _username_for(email: str) -> str:
    base = slugify(email.split("@")[0]).replace("-", ".")[:140] or "member"
    username, n = base, 1
    User = get_user_model()
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}.{n}"
    return username


@transaction.atomic
def member_signup(
    *,
    token: str,
    email: str,
    first_name: str,
    last_name: str,
    password: str,
    department=None,
    job_title: str = "",
    language: str = "en",
):
    """Create a member from an invitation (the only way to register; SSO can call
    this too). The invitation row is locked, so a single-use invitation makes
    exactly one account however many people redeem it at once."""
    invitation = invitation_for_token(token, lock=True)
    email = (invitation.email or email).strip().lower()
    validate_email(email)
    if not domain_allowed(email):
        raise ValidationError({"email": _("Only colleagues' email addresses can join.")})
    User = get_user_model()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            {"email": _("This address cannot be used to join. If you have an account, log in.")}
        )
    user = User(
        username=_username_for(email),
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    Profile.objects.create(
        user=user,
        display_name=f"{user.first_name} {user.last_name}".strip() or user.username,
        department=department,
        job_title=job_title.strip()[:150],
        language=language,
    )
    Redemption.objects.create(invitation=invitation, user=user)
    Invitation.objects.filter(pk=invitation.pk).update(uses=invitation.uses + 1)
    event_record(actor=user, kind=EventKind.INVITE_ACCEPTED, target=invitation)
    if invitation.inviter_id:
        notify(
            recipient_id=invitation.inviter_id, kind=NotificationKind.INVITE_ACCEPTED, actor=user
        )
    webhook_member_joined_emit(user=user)
    return user


def signup_login(request, user) -> None:
    # The project's own backend: a session naming another one logs nobody in.
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])


@transaction.atomic
def onboarding_guidelines_read(*, actor) -> None:
    OnboardingState.objects.update_or_create(
        user=actor, defaults={"guidelines_read_at": timezone.now()}
    )


@transaction.atomic
def onboarding_dismiss(*, actor) -> None:
    """The member skips the guided start; it is not shown again."""
    OnboardingState.objects.update_or_create(user=actor, defaults={"dismissed_at": timezone.now()})


REMINDER_AFTER_DAYS = 3


def invitation_reminders_enqueue(*, now=None) -> int:
    """One reminder for email invitations still open a few days after the first
    email (a new token each time; the old link stops working)."""
    now = now or timezone.now()
    due = Invitation.objects.filter(
        revoked_at__isnull=True,
        uses=0,
        expires_at__gt=now,
        send_count=1,
        last_sent_at__lte=now - dt.timedelta(days=REMINDER_AFTER_DAYS),
    ).exclude(email="")
    count = 0
    for invitation in due:
        invitation.send_count, invitation.last_sent_at = 2, now
        invitation.save(update_fields=["send_count", "last_sent_at"])
        invitation_deliver.enqueue(invitation.pk)
        count += 1
    return count
