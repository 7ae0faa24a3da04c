"""The API of notifications: my notifications and marking them read.

A separate module from feed/api.py (posts, comments, feeds) so the two grow
independently. A notification names a post or a group only while the member
may still see it (groups.selectors): leaving a secret group hides where an
old notification pointed.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from community.api_base import AUTH_ERRORS, ApiError, ErrorOut, error_example
from groups.selectors import groups_visible_to, posts_visible_to

from . import services
from .models import NotificationKind
from .selectors import (
    notification_text,
    notification_url,
    notifications_for,
    unread_notification_count,
)

router = Router(tags=["notifications"])


class ActorOut(Schema):
    username: str
    display_name: str


class GroupRefOut(Schema):
    slug: str
    name: str


class NotificationOut(Schema):
    id: int
    kind: NotificationKind
    text: str = Field(description="One sentence in the member's language.")
    url: str = Field(description="Where the notification leads in Buzz (a path).")
    actor: ActorOut | None = Field(description="The latest colleague who acted.")
    others: int = Field(description="How many more colleagues did the same.")
    post_id: int | None = Field(description="null when there is none or you may not read it.")
    group: GroupRefOut | None = Field(description="null when there is none or it is hidden.")
    created_at: dt.datetime
    updated_at: dt.datetime
    read_at: dt.datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None
    unread: int = Field(description="How many of all your notifications are unread.")


class NotificationQuery(Schema):
    cursor: str | None = Field(None, description="`next_cursor` of the previous page.")
    limit: int = Field(30, ge=1, le=100)


@router.get(
    "/notifications",
    response={200: NotificationPage, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="notifications_list",
    summary="My notifications",
    description="Most recently updated first (similar ones are grouped while unread).",
)
def notifications_list(request: HttpRequest, query: Query[NotificationQuery]):
    member = request.auth
    page = notifications_for(member, cursor=query.cursor, size=query.limit)
    # Two queries for the whole page: which of its posts and groups are still visible.
    post_ids = {n.post_id for n in page.items if n.post_id}
    group_ids = {n.group_id for n in page.items if n.group_id}
    readable = (
        set(posts_visible_to(member).filter(pk__in=post_ids).values_list("pk", flat=True))
        if post_ids
        else set()
    )
    visible = (
        set(groups_visible_to(member).filter(pk__in=group_ids).values_list("pk", flat=True))
        if group_ids
        else set()
    )
    items = []
    for notification in page.items:
        hidden_post = notification.post_id is not None and notification.post_id not in readable
        hidden_group = notification.group_id is not None and notification.group_id not in visible
        actor = notification.actor
        profile = getattr(actor, "profile", None) if actor is not None else None
        items.append(
            {
                "id": notification.pk,
                "kind": notification.kind,
                "text": notification_text(notification),
                "url": reverse("feed:notifications")
                if hidden_post or hidden_group
                else notification_url(notification),
                "actor": {
                    "username": actor.get_username(),
                    "display_name": getattr(profile, "display_name", "") or actor.get_username(),
                }
                if actor is not None
                else None,
                "others": notification.others,
                "post_id": None if hidden_post else notification.post_id,
                "group": None
                if hidden_group or notification.group is None
                else {"slug": notification.group.slug, "name": notification.group.name},
                "created_at": notification.created_at,
                "updated_at": notification.updated_at,
                "read_at": notification.read_at,
            }
        )
    return {
        "items": items,
        "next_cursor": page.next_cursor,
        "unread": unread_notification_count(member),
    }


class MarkReadIn(Schema):
    ids: list[int] | None = Field(
        None,
        max_length=500,
        description="These notifications (ids that are not yours are ignored).",
    )
    all: bool = Field(False, description="Every notification.")


class MarkReadOut(Schema):
    marked: int = Field(description="How many were unread and are read now.")
    unread: int


@router.post(
    "/notifications/read",
    response={200: MarkReadOut, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="notifications_mark_read",
    summary="Mark notifications read",
    description='`{"ids": [1, 2]}` or `{"all": true}`.',
    openapi_extra={
        "responses": {
            422: error_example(
                "invalid",
                "Some parameters are not valid.",
                {"ids": ["Give either ids or all=true."]},
            )
        }
    },
)
def notifications_mark_read(request: HttpRequest, payload: MarkReadIn):
    if (payload.ids is None) == (not payload.all):
        message = _("Give either ids or all=true.")
        raise ApiError(422, "invalid", message, fields={"ids": [message]})
    marked = services.notifications_mark_read(
        actor=request.auth, notification_ids=None if payload.all else payload.ids
    )
    return {"marked": marked, "unread": unread_notification_count(request.auth)}
