"""The groups API: the directory, one group, joining and leaving, members.

Every read goes through groups.selectors: a secret group the member may not
know answers 404 exactly like a slug that does not exist. Writes call
groups.services, which check the member's right to act.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db.models import F
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from community.api_base import AUTH_ERRORS, ApiError, ErrorOut, error_example
from community.pagination import keyset_paginate

from . import services
from .models import Group, JoinRequest, Membership
from .selectors import (
    access_group,
    group_directory_for,
    join_request_pending,
    members_of,
    membership_of,
    user_may_post_in,
    user_may_read_group,
)

router = Router(tags=["groups"])

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

NOT_FOUND = {404: error_example("not_found", "No such group (or not one you may know of).")}


class GroupOut(Schema):
    id: int
    slug: str
    name: str
    description: str
    visibility: Literal["open", "closed", "secret"]
    tags: list[str]
    member_count: int
    is_member: bool
    archived: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_tags(group: Group) -> list[str]:
        # Prefetched by the list; one query for a single group.
        return sorted(tag.name for tag in group.tags.all())

    @staticmethod
    def resolve_is_member(group: Group) -> bool:
        return bool(getattr(group, "is_mine", False))

    @staticmethod
    def resolve_archived(group: Group) -> bool:
        return group.archived_at is not None


class GroupDetailOut(GroupOut):
    role: Literal["owner", "admin", "member"] | None = Field(
        description="The member's own role in the group, null when not a member."
    )
    join_request_pending: bool
    may_read: bool = Field(description="Whether the member may read the group's posts.")
    may_post: bool


class GroupPage(Schema):
    items: list[GroupOut]
    next_cursor: str | None


class GroupListQuery(Schema):
    q: str = Field("", max_length=100, description="Words in the name or description, or a tag.")
    visibility: Literal["open", "closed", "secret"] | None = None
    mine: bool = Field(False, description="Only my groups (archived ones included).")
    cursor: str | None = Field(None, description="`next_cursor` of the previous page.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class MemberOut(Schema):
    id: int = Field(description="The member's user id.")
    username: str
    display_name: str
    role: Literal["owner", "admin", "member"]
    joined_at: dt.datetime

    @staticmethod
    def resolve_id(membership: Membership) -> int:
        return membership.user_id

    @staticmethod
    def resolve_username(membership: Membership) -> str:
        return membership.user.get_username()

    @staticmethod
    def resolve_display_name(membership: Membership) -> str:
        return membership.user.profile.display_name or membership.user.get_username()

    @staticmethod
    def resolve_joined_at(membership: Membership) -> dt.datetime:
        return membership.created_at


class MemberPage(Schema):
    items: list[MemberOut]
    next_cursor: str | None


class PageQuery(Schema):
    cursor: str | None = Field(None, description="`next_cursor` of the previous page.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class JoinIn(Schema):
    message: str = Field("", max_length=500, description="For a closed group's admins.")


class JoinOut(Schema):
    state: Literal["member", "requested"] = Field(
        description="`member`: joined at once (open group, or an invitation to a secret "
        "one); `requested`: a closed group's admins decide."
    )
    role: Literal["owner", "admin", "member"] | None


def _detail(request: HttpRequest, group: Group) -> Group:
    """The group with what its page says about the member, as GroupDetailOut reads it."""
    membership = membership_of(request.auth, group)
    group.is_mine = membership is not None
    group.member_count = Membership.objects.filter(group=group).count()
    group.role = membership.role if membership else None
    group.join_request_pending = membership is None and join_request_pending(request.auth, group)
    group.may_read = user_may_read_group(request.auth, group)
    group.may_post = user_may_post_in(request.auth, group)
    return group


@router.get(
    "/groups",
    response={200: GroupPage, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="groups_list",
    summary="The group directory",
    description="Groups the member may know exist (open and closed ones; secret ones only "
    "for their members and invitees), unarchived unless `mine`, by name.",
)
def groups_list(request: HttpRequest, query: Query[GroupListQuery]):
    groups = group_directory_for(
        request.auth, query=query.q.strip(), visibility=query.visibility, mine=query.mine
    ).prefetch_related("tags")
    page = keyset_paginate(groups, ordering=["name", "pk"], cursor=query.cursor, size=query.limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get(
    "/groups/{slug}",
    response={200: GroupDetailOut, 404: ErrorOut, **AUTH_ERRORS},
    operation_id="groups_read",
    summary="One group",
    description="A secret group that the member may not know answers 404, like a missing one.",
    openapi_extra={"responses": NOT_FOUND},
)
def group_read(request: HttpRequest, slug: str):
    return _detail(request, access_group(request.auth, slug))


@router.post(
    "/groups/{slug}/join",
    response={200: JoinOut, 404: ErrorOut, 400: ErrorOut, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="groups_join",
    summary="Join a group, or ask to",
    description="Open groups: joined at once. Closed groups: a join request for the admins "
    "(asking again returns the same request). Secret groups: only with an invitation. "
    "Already a member or an archived group: 422.",
    openapi_extra={"responses": NOT_FOUND},
)
def group_join(request: HttpRequest, slug: str, payload: JoinIn | None = None):
    group = access_group(request.auth, slug)
    outcome = services.group_join(
        actor=request.auth, group=group, message=payload.message if payload else ""
    )
    if isinstance(outcome, JoinRequest):
        return {"state": "requested", "role": None}
    return {"state": "member", "role": outcome.role}


@router.post(
    "/groups/{slug}/leave",
    response={204: None, 404: ErrorOut, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="groups_leave",
    summary="Leave a group",
    description="Access ends at once. Not a member, or the only owner: 422.",
    openapi_extra={"responses": NOT_FOUND},
)
def group_leave(request: HttpRequest, slug: str):
    services.membership_leave(actor=request.auth, group=access_group(request.auth, slug))
    return Status(204, None)


@router.get(
    "/groups/{slug}/members",
    response={200: MemberPage, 404: ErrorOut, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="groups_members_list",
    summary="A group's members",
    description="Only for those who may read the group (its members; anyone for an open "
    "group); a closed group's non-members get 403.",
    openapi_extra={"responses": NOT_FOUND},
)
def group_members(request: HttpRequest, slug: str, query: Query[PageQuery]):
    group = access_group(request.auth, slug)
    if not user_may_read_group(request.auth, group):
        raise ApiError(403, "forbidden", _("Only the group's members see who is in it."))
    # The keyset needs the display name as a column of the row.
    memberships = members_of(group).annotate(display_name=F("user__profile__display_name"))
    page = keyset_paginate(
        memberships,
        ordering=["role", "display_name", "pk"],
        cursor=query.cursor,
        size=query.limit,
    )
    return {"items": page.items, "next_cursor": page.next_cursor}
