"""THE access-control choke point: which groups and posts a user may see.

The feed, search, websocket fan-out, notifications, the API, exports and
metrics all ask here. A secret group's content never reaches a non-member.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from community.querysets import count_of
from feed.models import Post

from .models import (
    Group,
    GroupInvitation,
    JoinRequest,
    Membership,
    RequestState,
    Role,
    Visibility,
)

type AnyUser = AnonymousUser | object


def _is_member(user: AnyUser) -> Exists:
    return Exists(Membership.objects.filter(group=OuterRef("pk"), user_id=user.pk))


def _is_invited(user: AnyUser) -> Exists:
    return Exists(
        GroupInvitation.objects.filter(
            group=OuterRef("pk"), invitee_id=user.pk, state=RequestState.PENDING
        )
    )


def groups_visible_to(user: AnyUser) -> QuerySet[Group]:
    """Groups whose existence the user may know: open and closed ones; secret
    ones only for their members and for colleagues a member invited. Anonymous
    and deactivated users see none."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Group.objects.none()
    return Group.objects.filter(
        ~Q(visibility=Visibility.SECRET) | Q(_is_member(user)) | Q(_is_invited(user))
    )


def groups_readable_by(user: AnyUser) -> QuerySet[Group]:
    """Groups whose content the user may read: open groups, and closed or secret
    groups the user is a member of."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Group.objects.none()
    return Group.objects.filter(Q(visibility=Visibility.OPEN) | Q(_is_member(user)))


def posts_visible_to(user: AnyUser) -> QuerySet[Post]:
    """Posts the user may read: company-wide posts and posts in readable groups;
    never deleted ones."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Post.objects.none()
    readable = groups_readable_by(user).values("pk")
    return Post.objects.filter(deleted_at__isnull=True).filter(
        Q(group__isnull=True) | Q(group__in=readable)
    )


def post_readable_by(user: AnyUser, *, via: str = "post__") -> Q:
    """posts_visible_to's rule as a filter through a relation to the post
    (comments: via="post__"). A query over a few comments then joins their
    posts instead of comparing against every readable post of the company."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    # EXISTS per post, not IN (readable groups): with IN, PostgreSQL hashes every
    # readable post of the company first (a second at 1M posts); EXISTS lets it
    # look up just the posts of the rows at hand.
    readable = groups_readable_by(user).filter(pk=OuterRef(f"{via}group"))
    return Q(**{f"{via}deleted_at__isnull": True}) & (
        Q(**{f"{via}group__isnull": True}) | Q(Exists(readable))
    )


def user_may_read_group(user: AnyUser, group: Group) -> bool:
    return groups_readable_by(user).filter(pk=group.pk).exists()


def group_directory_for(
    user: AnyUser, *, query: str = "", visibility: str | None = None, mine: bool = False
) -> QuerySet[Group]:
    """The group directory: groups the user may know exist, unarchived (archived
    ones only under "my groups"), with member count and whether the user is in it."""
    groups = groups_visible_to(user).annotate(is_mine=_is_member(user))
    groups = groups.filter(is_mine=True) if mine else groups.filter(archived_at__isnull=True)
    if query:
        groups = groups.filter(
            Q(name__icontains=query) | Q(description__icontains=query) | Q(tags__name__iexact=query)
        ).distinct()
    if visibility:
        groups = groups.filter(visibility=visibility)
    return groups.annotate(member_count=count_of(Membership.objects.all(), link="group"))


def access_group(user: AnyUser, slug: str) -> Group:
    """The group at `slug` if the user may know it exists, else Http404 — exactly
    as for a slug that does not exist, so a secret group cannot be probed."""
    if "\x00" in slug:
        # No slug holds a NUL, and PostgreSQL refuses one in a query (a 500 otherwise).
        raise Http404("No group here.")
    group = groups_visible_to(user).filter(slug=slug).first()
    if group is None:
        raise Http404("No group here.")
    return group


def membership_of(user: AnyUser, group: Group) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.filter(group=group, user_id=user.pk).first()


def is_community_manager(user: AnyUser) -> bool:
    profile = getattr(user, "profile", None) if getattr(user, "is_authenticated", False) else None
    return bool(getattr(user, "is_superuser", False) or (profile and profile.is_community_manager))


def user_may_manage_group(user: AnyUser, group: Group) -> bool:
    """Owners and admins run their group."""
    membership = membership_of(user, group)
    return membership is not None and membership.role in (Role.OWNER, Role.ADMIN)


def user_may_moderate_group(user: AnyUser, group: Group | None) -> bool:
    """Group owners/admins moderate their group; community managers moderate
    company-wide posts and open groups (never content they may not read)."""
    if group is None:
        return is_community_manager(user)
    if user_may_manage_group(user, group):
        return True
    return is_community_manager(user) and user_may_read_group(user, group)


def user_may_post_in(user: AnyUser, group: Group | None) -> bool:
    """Members post in their unarchived groups; everyone on the company-wide stream."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if group is None:
        return True
    return group.archived_at is None and membership_of(user, group) is not None


def join_requests_for(group: Group) -> QuerySet[JoinRequest]:
    return (
        JoinRequest.objects.filter(group=group, state=RequestState.PENDING)
        .select_related("user__profile")
        .order_by("created_at", "pk")
    )


def members_of(group: Group) -> QuerySet[Membership]:
    """A group's members, owners and admins first, profile joined."""
    return (
        Membership.objects.filter(group=group, user__is_active=True)
        .select_related("user__profile")
        .order_by("role", "user__profile__display_name", "pk")
    )


def pending_invitation_for(user: AnyUser, group: Group) -> GroupInvitation | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return GroupInvitation.objects.filter(
        group=group, invitee_id=user.pk, state=RequestState.PENDING
    ).first()


def user_may_accept_answer(user: AnyUser, post) -> bool:
    """The asker, or an owner/admin of the question's group, marks the answer."""
    if post.author_id == getattr(user, "pk", None):
        return True
    return post.group is not None and user_may_manage_group(user, post.group)


def join_request_pending(user: AnyUser, group: Group) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return JoinRequest.objects.filter(
        group=group, user_id=user.pk, state=RequestState.PENDING
    ).exists()


# --- the public display (the hub wall) ---------------------------------------------------


def posts_on_public_display() -> QuerySet[Post]:
    """Posts a screen in a public space may show, to anyone passing by: only
    those in open, unarchived groups, by active members, never deleted. Not
    company-wide posts, not closed or secret groups."""
    return Post.objects.filter(
        deleted_at__isnull=True,
        author__is_active=True,
        group__visibility=Visibility.OPEN,
        group__archived_at__isnull=True,
    )


def group_on_public_display(group: Group | int | None) -> bool:
    """Whether a group's posts show on the hub wall: open and unarchived. A group
    already loaded (a write that just checked it) is answered without a query;
    an id is looked up."""
    if group is None:
        return False
    if isinstance(group, Group):
        return group.visibility == Visibility.OPEN and group.archived_at is None
    return Group.objects.filter(
        pk=group, visibility=Visibility.OPEN, archived_at__isnull=True
    ).exists()


def not_in_secret_group() -> Q:
    """For figures shown to every member (the leadership board): rows (events)
    with a `group_id` count only outside secret groups, so a count never hints
    at what happens in one."""
    secret = Group.objects.filter(visibility=Visibility.SECRET).values("pk")
    return Q(group_id__isnull=True) | ~Q(group_id__in=secret)


def groups_in_reports() -> QuerySet[Group]:
    """Groups whose names and figures may appear in reports and dashboards:
    never secret ones (their existence is for members only)."""
    return Group.objects.exclude(visibility=Visibility.SECRET)
