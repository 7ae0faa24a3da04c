"""Reads of posts and comments. Visibility always comes from groups.selectors."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from community.pagination import KeysetPage, keyset_paginate
from community.querysets import count_of
from groups.models import Group
from groups.selectors import groups_readable_by, posts_visible_to, user_may_moderate_group

from .models import REACTION_EMOJI, Comment, Post, Reaction, ReactionKind

FEED_ORDERING = ["-created_at", "-pk"]
LATEST_COMMENTS = 2


def _live_comments() -> QuerySet[Comment]:
    return Comment.objects.filter(deleted_at__isnull=True)


def _post_list(user) -> QuerySet[Post]:
    """Readable posts with everything a card shows joined or counted."""
    return (
        posts_visible_to(user)
        .select_related("author__profile", "group")
        .annotate(comment_count=count_of(_live_comments(), link="post"))
    )


def attach_engagement(posts: list[Post], viewer) -> list[Post]:
    """Reaction counts per kind and the viewer's own reaction, for a page of
    posts in two queries whatever its size."""
    ids = [post.pk for post in posts]
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    mine: dict[int, str] = {}
    for row in (
        Reaction.objects.filter(post_id__in=ids, comment__isnull=True)
        .values_list("post_id", "kind", "user_id")
        .order_by()
    ):
        post_id, kind, user_id = row
        counts[post_id][kind] = counts[post_id].get(kind, 0) + 1
        if user_id == viewer.pk:
            mine[post_id] = kind
    for post in posts:
        post.reaction_summary = reaction_summary(counts.get(post.pk, {}), mine.get(post.pk))
    return posts


def reaction_summary(counts: dict[str, int], mine: str | None) -> list[dict]:
    return [
        {
            "kind": kind,
            "label": label,
            "emoji": REACTION_EMOJI[kind],
            "count": counts.get(kind, 0),
            "mine": kind == mine,
        }
        for kind, label in ReactionKind.choices
    ]


def feed_for_member(user, *, cursor: str | None = None, size: int = 20) -> KeysetPage[Post]:
    """Newest posts the member may read (groups.selectors decides)."""
    page = keyset_paginate(_post_list(user), ordering=FEED_ORDERING, cursor=cursor, size=size)
    attach_engagement(page.items, user)
    return page


def group_posts_for(
    user, group: Group, *, cursor: str | None = None, size: int = 20
) -> KeysetPage[Post]:
    """A group's posts, if the user may read the group (else none at all)."""
    page = keyset_paginate(
        _post_list(user).filter(group=group), ordering=FEED_ORDERING, cursor=cursor, size=size
    )
    attach_engagement(page.items, user)
    return page


def hashtag_posts_for(
    user, tag: str, *, cursor: str | None = None, size: int = 20
) -> KeysetPage[Post]:
    """Posts carrying #tag that the user may read."""
    page = keyset_paginate(
        _post_list(user).filter(hashtags__name__iexact=tag),
        ordering=FEED_ORDERING,
        cursor=cursor,
        size=size,
    )
    attach_engagement(page.items, user)
    return page


def access_post(user, post_id: int) -> Post:
    """The post if the user may read it, else Http404 (as if it did not exist)."""
    post = _post_list(user).filter(pk=post_id).first()
    if post is None:
        raise Http404("No post here.")
    return post


def comments_for(user, post: Post) -> list[Comment]:
    """A readable post's live comments as threads (top level, replies inside),
    authors and reaction counts loaded in a fixed number of queries."""
    comments = list(
        _live_comments()
        .filter(post=post)
        .select_related("author__profile")
        .prefetch_related(
            Prefetch(
                "reactions", queryset=Reaction.objects.only("id", "comment_id", "kind", "user_id")
            )
        )
        .order_by("created_at", "pk")
    )
    by_parent: dict[int | None, list[Comment]] = defaultdict(list)
    live_ids = {comment.pk for comment in comments}
    for comment in comments:
        counts: dict[str, int] = {}
        mine = None
        for reaction in comment.reactions.all():
            counts[reaction.kind] = counts.get(reaction.kind, 0) + 1
            if reaction.user_id == user.pk:
                mine = reaction.kind
        comment.reaction_summary = reaction_summary(counts, mine)
        comment.is_accepted = comment.pk == post.accepted_comment_id
        # A reply whose parent was deleted stays readable, as a top-level comment.
        parent_id = comment.parent_id if comment.parent_id in live_ids else None
        by_parent[parent_id].append(comment)
    threads = by_parent[None]
    for comment in threads:
        comment.thread_replies = by_parent.get(comment.pk, [])
    return threads


def deleted_post_for_moderator(user, post_id: int) -> Post:
    """A deleted post, for a moderator of its group (or company-wide stream) who
    may read that group; Http404 for anyone else."""
    post = (
        Post.objects.filter(pk=post_id, deleted_at__isnull=False)
        .filter(Q(group__isnull=True) | Q(group__in=groups_readable_by(user).values("pk")))
        .select_related("group")
        .first()
    )
    if post is None or not user_may_moderate_group(user, post.group):
        raise Http404("No post here.")
    return post
