"""THE access-control choke point: which groups and posts a user may see.

The feed, search, websocket fan-out, notifications, the API, exports and
metrics all ask here. A secret group's content never reaches a non-member.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from community.querysets import count_of
from feed.models import Post

from .models import Group, Membership, Visibility

type AnyUser = AnonymousUser | object


def _is_member(user: AnyUser) -> Exists:
    return Exists(Membership.objects.filter(group=OuterRef("pk"), user_id=user.pk))


def groups_visible_to(user: AnyUser) -> QuerySet[Group]:
    """Groups whose existence the user may know: open and closed ones, secret
    ones only for their members. Anonymous users see none."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Group.objects.none()
    return Group.objects.filter(~Q(visibility=Visibility.SECRET) | Q(_is_member(user)))


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


def user_may_read_group(user: AnyUser, group: Group) -> bool:
    return groups_readable_by(user).filter(pk=group.pk).exists()


def group_directory_for(user: AnyUser, *, query: str = "") -> QuerySet[Group]:
    """The group directory: groups the user may know exist, unarchived, with
    their member count (one query for the whole page)."""
    groups = groups_visible_to(user).filter(archived_at__isnull=True)
    if query:
        groups = groups.filter(Q(name__icontains=query) | Q(description__icontains=query))
    return groups.annotate(member_count=count_of(Membership.objects.all(), link="group"))
