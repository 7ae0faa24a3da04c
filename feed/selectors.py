from __future__ import annotations

from community.pagination import KeysetPage, keyset_paginate
from community.querysets import count_of
from groups.selectors import posts_visible_to

from .models import Comment, Post

FEED_ORDERING = ["-created_at", "-pk"]


def feed_for_member(user, *, cursor: str | None = None, size: int = 20) -> KeysetPage[Post]:
    """Newest posts the member may read (groups.selectors decides), with author,
    group and the comment count joined so the page needs no further query."""
    queryset = (
        posts_visible_to(user)
        .select_related("author__profile", "group")
        .annotate(
            comment_count=count_of(Comment.objects.filter(deleted_at__isnull=True), link="post")
        )
    )
    return keyset_paginate(queryset, ordering=FEED_ORDERING, cursor=cursor, size=size)
