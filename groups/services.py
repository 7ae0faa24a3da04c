"""Every write to groups and memberships. Each service checks the actor's right
to act, then does one use case inside a transaction and records its event."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from community.uploads import check_size, open_image, reencode_image
from feed.models import NotificationKind
from feed.realtime import live_event_publish
from feed.services import notify
from metrics.models import EventKind
from metrics.services import event_record

from .models import (
    Group,
    GroupInvitation,
    JoinRequest,
    Membership,
    RequestState,
    Role,
    Visibility,
)
from .selectors import membership_of, user_may_manage_group

MANAGER_ROLES = (Role.OWNER, Role.ADMIN)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:100] or "group"
    slug, n = base, 1
    while Group.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _require_manager(actor, group: Group) -> None:
    if not user_may_manage_group(actor, group):
        raise PermissionDenied(_("Only the group's owners and admins may do this."))


def _require_unarchived(group: Group) -> None:
    if group.archived_at is not None:
        raise ValidationError(_("This group is archived."))


def _membership_changed(user_id: int, group: Group) -> None:
    """Tell the member's open tabs to re-read their group subscriptions."""
    live_event_publish(type="membership.changed", recipient_id=user_id, payload={"group": group.pk})


def _add_member(group: Group, user, role: str = Role.MEMBER) -> Membership:
    membership, created = Membership.objects.get_or_create(
        group=group, user=user, defaults={"role": role}
    )
    if created:
        event_record(actor=user, kind=EventKind.JOIN_GROUP, group_id=group.pk, target=group)
        _membership_changed(user.pk, group)
    return membership


COVER_SIZE = (1200, 300)


def _cover_file(upload: UploadedFile) -> ContentFile:
    """A wide banner, judged by content and re-encoded without metadata."""
    check_size(upload, settings.BUZZ_ATTACHMENT_MAX_BYTES)
    image = open_image(upload, max_pixels=settings.BUZZ_ATTACHMENT_MAX_PIXELS)
    banner = ImageOps.fit(image, COVER_SIZE, method=Image.Resampling.LANCZOS)
    return reencode_image(banner, name="cover")


@transaction.atomic
def group_create(
    *,
    actor,
    name: str,
    description: str = "",
    visibility: str = Visibility.OPEN,
    tags: Iterable[str] = (),
    cover: UploadedFile | None = None,
) -> Group:
    """Any active member may start a group and becomes its owner."""
    group = Group(
        name=name.strip(),
        slug=_unique_slug(name),
        description=description,
        visibility=visibility,
        created_by=actor,
    )
    group.full_clean()
    if cover is not None:
        group.cover.save("cover.webp", _cover_file(cover), save=False)
    group.save()
    if tags:
        group.tags.set([t.strip() for t in tags if t.strip()])
    _add_member(group, actor, Role.OWNER)
    return group


@transaction.atomic
def group_update(
    *,
    actor,
    group: Group,
    name: str,
    description: str,
    visibility: str,
    tags: Iterable[str],
    cover: UploadedFile | None = None,
) -> Group:
    """Owners and admins edit their group; the slug stays so links keep working."""
    _require_manager(actor, group)
    group.name, group.description, group.visibility = name.strip(), description, visibility
    group.full_clean()
    if cover is not None:
        group.cover.save("cover.webp", _cover_file(cover), save=False)
    group.save()
    group.tags.set([t.strip() for t in tags if t.strip()])
    return group


@transaction.atomic
def group_archive(*, actor, group: Group, archived: bool = True) -> Group:
    """Owners and admins archive (read-only, out of the directory) or restore."""
    _require_manager(actor, group)
    group.archived_at = timezone.now() if archived else None
    group.save(update_fields=["archived_at"])
    return group


@transaction.atomic
def group_join(*, actor, group: Group, message: str = "") -> Membership | JoinRequest:
    """Open groups: join at once. Closed groups: a join request for the admins.
    Secret groups: only through a member's invitation."""
    _require_unarchived(group)
    if membership_of(actor, group) is not None:
        raise ValidationError(_("You are already a member of this group."))
    if group.visibility == Visibility.OPEN:
        return _add_member(group, actor)
    if group.visibility == Visibility.CLOSED:
        existing = JoinRequest.objects.filter(
            group=group, user=actor, state=RequestState.PENDING
        ).first()
        if existing:
            return existing
        request = JoinRequest(group=group, user=actor, message=message.strip()[:500])
        request.full_clean()
        request.save()
        for manager_id in Membership.objects.filter(
            group=group, role__in=MANAGER_ROLES
        ).values_list("user_id", flat=True):
            notify(
                recipient_id=manager_id,
                kind=NotificationKind.JOIN_REQUEST,
                actor=actor,
                group=group,
                text=request.message,
            )
        return request
    invitation = GroupInvitation.objects.filter(
        group=group, invitee=actor, state=RequestState.PENDING
    ).first()
    if invitation is None:
        raise PermissionDenied(_("This group is by invitation only."))
    return invitation_accept(actor=actor, invitation=invitation)


def _decide(actor, request: JoinRequest, state: str) -> JoinRequest:
    _require_manager(actor, request.group)
    if request.state != RequestState.PENDING:
        raise ValidationError(_("This request was already decided."))
    request.state, request.decided_by, request.decided_at = state, actor, timezone.now()
    request.save(update_fields=["state", "decided_by", "decided_at"])
    return request


@transaction.atomic
def join_request_approve(*, actor, request: JoinRequest) -> Membership:
    """Owners and admins let a colleague in."""
    _decide(actor, request, RequestState.APPROVED)
    return _add_member(request.group, request.user)


@transaction.atomic
def join_request_decline(*, actor, request: JoinRequest) -> JoinRequest:
    return _decide(actor, request, RequestState.DECLINED)


@transaction.atomic
def group_invite(*, actor, group: Group, invitee) -> GroupInvitation:
    """Owners and admins invite to any group; in a secret group every member may
    invite (that is how it grows). Re-inviting returns the pending invitation."""
    _require_unarchived(group)
    membership = membership_of(actor, group)
    may_invite = membership is not None and (
        membership.role in MANAGER_ROLES or group.visibility == Visibility.SECRET
    )
    if not may_invite:
        raise PermissionDenied(_("You may not invite colleagues to this group."))
    if not invitee.is_active:
        raise ValidationError(_("This colleague's account is not active."))
    if membership_of(invitee, group) is not None:
        raise ValidationError(_("%(name)s is already a member.") % {"name": invitee})
    pending = GroupInvitation.objects.filter(
        group=group, invitee=invitee, state=RequestState.PENDING
    ).first()
    if pending:
        return pending
    return GroupInvitation.objects.create(group=group, invitee=invitee, invited_by=actor)


@transaction.atomic
def invitation_accept(*, actor, invitation: GroupInvitation) -> Membership:
    if invitation.invitee_id != actor.pk or invitation.state != RequestState.PENDING:
        raise PermissionDenied(_("This invitation is not yours to accept."))
    invitation.state = RequestState.APPROVED
    invitation.save(update_fields=["state"])
    return _add_member(invitation.group, actor)


@transaction.atomic
def invitation_decline(*, actor, invitation: GroupInvitation) -> GroupInvitation:
    if invitation.invitee_id != actor.pk or invitation.state != RequestState.PENDING:
        raise PermissionDenied(_("This invitation is not yours to decline."))
    invitation.state = RequestState.DECLINED
    invitation.save(update_fields=["state"])
    return invitation


def _owner_count(group: Group) -> int:
    return Membership.objects.filter(group=group, role=Role.OWNER).count()


@transaction.atomic
def membership_leave(*, actor, group: Group) -> None:
    """A member leaves; access ends at once. The last owner must hand over first."""
    membership = membership_of(actor, group)
    if membership is None:
        raise ValidationError(_("You are not a member of this group."))
    if membership.role == Role.OWNER and _owner_count(group) == 1:
        raise ValidationError(_("You are the only owner: make someone else owner first."))
    membership.delete()
    _membership_changed(actor.pk, group)


@transaction.atomic
def membership_remove(*, actor, membership: Membership) -> None:
    """Owners and admins remove members; only owners remove admins or owners."""
    group = membership.group
    _require_manager(actor, group)
    actor_role = membership_of(actor, group).role
    if membership.role in MANAGER_ROLES and actor_role != Role.OWNER:
        raise PermissionDenied(_("Only an owner may remove an owner or admin."))
    if membership.role == Role.OWNER and _owner_count(group) == 1:
        raise ValidationError(_("A group needs at least one owner."))
    membership.delete()
    _membership_changed(membership.user_id, group)


@transaction.atomic
def membership_set_role(*, actor, membership: Membership, role: str) -> Membership:
    """Owners promote and demote; admins may make members admins."""
    group = membership.group
    _require_manager(actor, group)
    if role not in Role.values:
        raise ValidationError(_("Unknown role."))
    actor_role = membership_of(actor, group).role
    touches_owner = Role.OWNER in (role, membership.role)
    if touches_owner and actor_role != Role.OWNER:
        raise PermissionDenied(_("Only an owner may make or unmake owners."))
    if membership.role == Role.OWNER and role != Role.OWNER and _owner_count(group) == 1:
        raise ValidationError(_("A group needs at least one owner."))
    membership.role = role
    membership.save(update_fields=["role"])
    return membership
