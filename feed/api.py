"""The posts API: the home feed, a group's posts, posts, comments, reactions.

Reads go through feed.selectors (which ask groups.selectors): a post the member
may not read answers 404, exactly like one that does not exist. Writes call
feed.services as the web views do; editing someone else's post or comment is a
404 (as on the web), deleting it without the right to moderate a 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from community.api_base import AUTH_ERRORS, ApiError, ErrorOut, error_example
from groups.api import DEFAULT_LIMIT, MAX_LIMIT
from groups.selectors import access_group, user_may_read_group

from . import services
from .models import Comment, Post, Reaction, ReactionKind
from .selectors import (
    access_post,
    attach_engagement,
    comment_threads_for,
    feed_for_member,
    group_posts_for,
    pinned_posts_for,
    reaction_summary,
)

router = Router(tags=["posts"])

FEED_PAGE_SIZE = 20
POST_NOT_FOUND = {404: error_example("not_found", "No such post (or not one you may read).")}
COMMENT_NOT_FOUND = {404: error_example("not_found", "No such comment.")}

type ReactionKindName = Literal["like", "celebrate", "insightful", "support", "funny"]


# --- schemas --------------------------------------------------------------------------


class AuthorOut(Schema):
    id: int
    username: str
    display_name: str

    @staticmethod
    def resolve_display_name(user) -> str:
        profile = getattr(user, "profile", None)
        return getattr(profile, "display_name", "") or user.get_username()


class GroupRefOut(Schema):
    slug: str
    name: str


class ReactionCountOut(Schema):
    kind: ReactionKindName
    count: int
    mine: bool = Field(description="Whether this is the member's own reaction.")


class PostOut(Schema):
    id: int
    author: AuthorOut
    group: GroupRefOut | None = Field(description="null for a company-wide post.")
    body: str = Field(description="The text as written (Markdown).")
    body_html: str = Field(description="Rendered and sanitised.")
    is_question: bool
    is_announcement: bool
    accepted_comment_id: int | None
    pinned: bool
    created_at: dt.datetime
    edited_at: dt.datetime | None
    comment_count: int
    reactions: list[ReactionCountOut]

    @staticmethod
    def resolve_pinned(post: Post) -> bool:
        return post.pinned_at is not None

    @staticmethod
    def resolve_reactions(post: Post) -> list[dict]:
        return post.reaction_summary


class PostPage(Schema):
    items: list[PostOut]
    next_cursor: str | None


class GroupPostPage(PostPage):
    pinned: list[PostOut] = Field(
        description="The group's pinned posts (newest pin first), on the first page only; "
        "`items` holds the others."
    )


class CommentOut(Schema):
    id: int
    post_id: int
    parent_id: int | None
    author: AuthorOut
    body: str
    body_html: str
    created_at: dt.datetime
    edited_at: dt.datetime | None
    is_accepted: bool = Field(description="The accepted answer of a question.")
    reactions: list[ReactionCountOut]

    @staticmethod
    def resolve_reactions(comment: Comment) -> list[dict]:
        return comment.reaction_summary


class ThreadOut(CommentOut):
    replies: list[CommentOut]

    @staticmethod
    def resolve_replies(comment: Comment) -> list[Comment]:
        return comment.thread_replies


class ThreadPage(Schema):
    items: list[ThreadOut]
    next_cursor: str | None = Field(description="null on the last page.")


class ReactionStateOut(Schema):
    mine: ReactionKindName | None
    reactions: list[ReactionCountOut]


class FeedQuery(Schema):
    cursor: str | None = Field(None, description="`next_cursor` of the previous page.")
    order: Literal["new", "top"] = Field(
        "new", description="`top`: the last week's posts with the most engagement first."
    )


class PageQuery(Schema):
    cursor: str | None = Field(None, description="`next_cursor` of the previous page.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class PostIn(Schema):
    group: str | None = Field(None, description="A group's slug; null for company-wide.")
    body: str
    is_question: bool = False


class BodyIn(Schema):
    body: str


class CommentIn(Schema):
    body: str
    parent: int | None = Field(None, description="The comment this replies to.")


class ReactionIn(Schema):
    kind: ReactionKindName


# --- helpers --------------------------------------------------------------------------


def _read_post(request: HttpRequest, post_id: int) -> Post:
    post = access_post(request.auth, post_id)
    attach_engagement([post], request.auth)
    return post


def _live_comment(request: HttpRequest, comment_id: int) -> Comment:
    """A live comment on a post the member may read (as visible as its post)."""
    comment = (
        Comment.objects.filter(pk=comment_id, deleted_at__isnull=True)
        .select_related("author__profile")
        .first()
    )
    if comment is None:
        raise Http404("No comment here.")
    comment.post = access_post(request.auth, comment.post_id)
    return comment


def _comment_out(request: HttpRequest, comment: Comment) -> Comment:
    mine, counts = _reactions_of(request, comment=comment)
    comment.reaction_summary = reaction_summary(counts, mine)
    comment.is_accepted = comment.post.accepted_comment_id == comment.pk
    return comment


def _reactions_of(
    request: HttpRequest, *, post: Post | None = None, comment: Comment | None = None
) -> tuple[str | None, dict[str, int]]:
    """The member's own reaction and the counts per kind, on an object already checked."""
    lookup = {"comment": comment} if comment is not None else {"post": post, "comment": None}
    counts: dict[str, int] = {}
    mine = None
    for kind, user_id in Reaction.objects.filter(**lookup).values_list("kind", "user_id"):
        counts[kind] = counts.get(kind, 0) + 1
        if user_id == request.auth.pk:
            mine = kind
    return mine, counts


def _set_reaction(
    request: HttpRequest,
    kind: str | None,
    *,
    post: Post | None = None,
    comment: Comment | None = None,
) -> dict:
    """Put the member's reaction at `kind` (None: none) with reaction_toggle, which
    toggles: the same kind again removes it, another kind replaces it."""
    mine, _counts = _reactions_of(request, post=post, comment=comment)
    target = {"post": post} if comment is None else {"comment": comment}
    if kind is not None and kind != mine:
        services.reaction_toggle(actor=request.auth, kind=kind, **target)
    elif kind is None and mine is not None:
        services.reaction_toggle(actor=request.auth, kind=mine, **target)
    mine, counts = _reactions_of(request, post=post, comment=comment)
    return {"mine": mine, "reactions": reaction_summary(counts, mine)}


# --- feeds ----------------------------------------------------------------------------


@router.get(
    "/feed",
    response={200: PostPage, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="feed_read",
    summary="My home feed",
    description="Company-wide posts, posts in my groups and posts by colleagues I follow, "
    f"that I may read; newest first, {FEED_PAGE_SIZE} a page.",
)
def feed(request: HttpRequest, query: Query[FeedQuery]):
    page = feed_for_member(
        request.auth, cursor=query.cursor, size=FEED_PAGE_SIZE, top=query.order == "top"
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get(
    "/groups/{slug}/posts",
    response={200: GroupPostPage, 404: ErrorOut, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="groups_posts_list",
    summary="A group's posts",
    description="Newest first; the pinned ones separately on the first page. A closed "
    "group's non-members get 403; a secret group's 404.",
    openapi_extra={"responses": {404: error_example("not_found", "No such group.")}},
)
def group_posts(request: HttpRequest, slug: str, query: Query[PageQuery]):
    group = access_group(request.auth, slug)
    if not user_may_read_group(request.auth, group):
        raise ApiError(403, "forbidden", _("Only the group's members read its posts."))
    page = group_posts_for(request.auth, group, cursor=query.cursor, size=query.limit)
    pinned = [] if query.cursor else pinned_posts_for(request.auth, group)
    return {"items": page.items, "next_cursor": page.next_cursor, "pinned": pinned}


# --- posts ----------------------------------------------------------------------------


@router.post(
    "/posts",
    response={201: PostOut, 404: ErrorOut, 400: ErrorOut, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="posts_create",
    summary="Post",
    description="In a group the member belongs to (by slug), or company-wide (`group`: null). "
    "Not a member: 403; a group the member may not know: 404.",
    openapi_extra={"responses": {404: error_example("not_found", "No such group.")}},
)
def post_create(request: HttpRequest, payload: PostIn):
    group = access_group(request.auth, payload.group) if payload.group else None
    post = services.post_publish(
        actor=request.auth, body=payload.body, group=group, is_question=payload.is_question
    )
    return Status(201, _read_post(request, post.pk))


@router.get(
    "/posts/{post_id}",
    response={200: PostOut, 404: ErrorOut, **AUTH_ERRORS},
    operation_id="posts_read",
    summary="One post",
    openapi_extra={"responses": POST_NOT_FOUND},
)
def post_read(request: HttpRequest, post_id: int):
    return _read_post(request, post_id)


@router.patch(
    "/posts/{post_id}",
    response={200: PostOut, 404: ErrorOut, 400: ErrorOut, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="posts_update",
    summary="Edit my post",
    description="Only the author; anyone else's post answers 404, as on the web.",
    openapi_extra={"responses": POST_NOT_FOUND},
)
def post_update(request: HttpRequest, post_id: int, payload: BodyIn):
    post = access_post(request.auth, post_id)
    if post.author_id != request.auth.pk:
        raise Http404("Not your post.")
    services.post_update(actor=request.auth, post=post, body=payload.body)
    return _read_post(request, post_id)


@router.delete(
    "/posts/{post_id}",
    response={204: None, 404: ErrorOut, **AUTH_ERRORS},
    operation_id="posts_delete",
    summary="Delete a post",
    description="The author, or a moderator of its group (community managers for "
    "company-wide posts and groups they may read). Anyone else: 403.",
    openapi_extra={"responses": POST_NOT_FOUND},
)
def post_delete(request: HttpRequest, post_id: int):
    services.post_delete(actor=request.auth, post=access_post(request.auth, post_id))
    return Status(204, None)


# --- comments -------------------------------------------------------------------------


@router.get(
    "/posts/{post_id}/comments",
    response={200: ThreadPage, 404: ErrorOut, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="comments_list",
    summary="A post's comments",
    description="Threads oldest first: top-level comments with all their replies inside, "
    "`limit` threads a page (keyset cursor). A cursor of another list: 422.",
    openapi_extra={"responses": POST_NOT_FOUND},
)
def comments_list(request: HttpRequest, post_id: int, query: Query[PageQuery]):
    post = access_post(request.auth, post_id)
    # A bad cursor raises InvalidCursor: the API's handler answers 422 (community/api.py).
    page = comment_threads_for(request.auth, post, cursor=query.cursor, size=query.limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post(
    "/posts/{post_id}/comments",
    response={201: CommentOut, 404: ErrorOut, 400: ErrorOut, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="comments_create",
    summary="Comment, or reply to a comment",
    description="Anyone who may read the post, unless its group is archived. A reply to a "
    "reply joins its thread.",
    openapi_extra={"responses": POST_NOT_FOUND},
)
def comment_create(request: HttpRequest, post_id: int, payload: CommentIn):
    post = access_post(request.auth, post_id)
    parent = None
    if payload.parent is not None:
        parent = Comment.objects.filter(pk=payload.parent, post=post).first()
        if parent is None:
            raise ApiError(
                422,
                "invalid",
                _("Some parameters are not valid."),
                fields={"parent": [_("No such comment on this post.")]},
            )
    comment = services.comment_create(
        actor=request.auth, post=post, body=payload.body, parent=parent
    )
    return Status(201, _comment_out(request, _live_comment(request, comment.pk)))


@router.patch(
    "/comments/{comment_id}",
    response={200: CommentOut, 404: ErrorOut, 400: ErrorOut, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="comments_update",
    summary="Edit my comment",
    description="Only the author; anyone else's comment answers 404, as on the web.",
    openapi_extra={"responses": COMMENT_NOT_FOUND},
)
def comment_update(request: HttpRequest, comment_id: int, payload: BodyIn):
    comment = _live_comment(request, comment_id)
    if comment.author_id != request.auth.pk:
        raise Http404("Not your comment.")
    services.comment_update(actor=request.auth, comment=comment, body=payload.body)
    return _comment_out(request, comment)


@router.delete(
    "/comments/{comment_id}",
    response={204: None, 404: ErrorOut, **AUTH_ERRORS},
    operation_id="comments_delete",
    summary="Delete a comment",
    description="The author or a moderator of the post's group; anyone else: 403.",
    openapi_extra={"responses": COMMENT_NOT_FOUND},
)
def comment_delete(request: HttpRequest, comment_id: int):
    services.comment_delete(actor=request.auth, comment=_live_comment(request, comment_id))
    return Status(204, None)


# --- reactions ------------------------------------------------------------------------


REACTION_DOC = (
    "One reaction per member: PUT sets it (replacing another kind; the same kind again "
    "changes nothing), DELETE removes it. Kinds: "
    + ", ".join(ReactionKind.values)
    + ". Answers the member's reaction and the counts."
)


@router.put(
    "/posts/{post_id}/reaction",
    response={200: ReactionStateOut, 404: ErrorOut, 400: ErrorOut, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="posts_reaction_set",
    summary="React to a post",
    description=REACTION_DOC,
    openapi_extra={"responses": POST_NOT_FOUND},
)
def post_reaction_set(request: HttpRequest, post_id: int, payload: ReactionIn):
    return _set_reaction(request, payload.kind, post=access_post(request.auth, post_id))


@router.delete(
    "/posts/{post_id}/reaction",
    response={200: ReactionStateOut, 404: ErrorOut, **AUTH_ERRORS},
    operation_id="posts_reaction_delete",
    summary="Take my reaction to a post back",
    description=REACTION_DOC,
    openapi_extra={"responses": POST_NOT_FOUND},
)
def post_reaction_delete(request: HttpRequest, post_id: int):
    return _set_reaction(request, None, post=access_post(request.auth, post_id))


@router.put(
    "/comments/{comment_id}/reaction",
    response={200: ReactionStateOut, 404: ErrorOut, 400: ErrorOut, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="comments_reaction_set",
    summary="React to a comment",
    description=REACTION_DOC,
    openapi_extra={"responses": COMMENT_NOT_FOUND},
)
def comment_reaction_set(request: HttpRequest, comment_id: int, payload: ReactionIn):
    return _set_reaction(request, payload.kind, comment=_live_comment(request, comment_id))


@router.delete(
    "/comments/{comment_id}/reaction",
    response={200: ReactionStateOut, 404: ErrorOut, **AUTH_ERRORS},
    operation_id="comments_reaction_delete",
    summary="Take my reaction to a comment back",
    description=REACTION_DOC,
    openapi_extra={"responses": COMMENT_NOT_FOUND},
)
def comment_reaction_delete(request: HttpRequest, comment_id: int):
    return _set_reaction(request, None, comment=_live_comment(request, comment_id))
