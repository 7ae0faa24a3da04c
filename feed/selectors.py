"""Reads of posts and comments. Visibility always comes from groups.selectors."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import RowNumber
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from taggit.models import TaggedItem

from community.pagination import KeysetPage, keyset_paginate
from community.querysets import count_of
from groups.models import Group, Membership, Role
from groups.selectors import (
    groups_readable_by,
    is_community_manager,
    post_readable_by,
    posts_visible_to,
    user_may_moderate_group,
)
from profiles.selectors import following_of, kudos_list

from .models import (
    REACTION_EMOJI,
    Attachment,
    Bookmark,
    Comment,
    DigestSubscription,
    LiveEvent,
    Mention,
    ModerationAction,
    Notification,
    NotificationKind,
    Poll,
    PollOption,
    PollVote,
    Post,
    Reaction,
    ReactionKind,
    Report,
    ReportState,
    Revision,
)

logger = logging.getLogger(__name__)

FEED_ORDERING = ["-created_at", "-pk"]
LATEST_COMMENTS = 2


def _live_comments() -> QuerySet[Comment]:
    return Comment.objects.filter(deleted_at__isnull=True)


def _post_list(user) -> QuerySet[Post]:
    """Readable posts with everything a card shows joined, counted or prefetched."""
    return (
        posts_visible_to(user)
        .select_related("author__profile", "group", "poll")
        .annotate(
            has_attachments=Exists(Attachment.objects.filter(post=OuterRef("pk"))),
            comment_count=count_of(_live_comments(), link="post"),
            is_saved=Exists(Bookmark.objects.filter(post=OuterRef("pk"), user_id=user.pk)),
        )
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
    # Files only for the posts that have some: most pages then skip the query.
    with_files = [post for post in posts if getattr(post, "has_attachments", True)]
    prefetch_related_objects(with_files, "attachments")
    online = online_user_ids({post.author_id for post in posts})
    for post in posts:
        post.reaction_summary = reaction_summary(counts.get(post.pk, {}), mine.get(post.pk))
        post.author_online = post.author_id in online
    attach_polls(posts, viewer)
    return posts


def attach_polls(posts: list[Post], viewer) -> None:
    """Options with vote counts and the viewer's votes for the page's polls, in
    two queries whatever the page size (none when the page has no poll)."""
    polls = {}
    for post in posts:
        try:
            polls[post.poll.pk] = post.poll
        except Poll.DoesNotExist:
            continue
    if not polls:
        return
    options = (
        PollOption.objects.filter(poll_id__in=polls)
        .annotate(vote_count=Count("votes"))
        .order_by("poll_id", "position")
    )
    mine = set(
        PollVote.objects.filter(poll_id__in=polls, user_id=viewer.pk).values_list(
            "option_id", flat=True
        )
    )
    for poll in polls.values():
        poll.option_list, poll.voted = [], False
    for option in options:
        option.mine = option.pk in mine
        poll = polls[option.poll_id]
        poll.option_list.append(option)
        poll.voted = poll.voted or option.mine
    for poll in polls.values():
        poll.total_votes = sum(option.vote_count for option in poll.option_list)


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


TOP_WINDOW_DAYS = 7


def feed_for_member(
    user, *, cursor: str | None = None, size: int = 20, top: bool = False
) -> KeysetPage[Post]:
    """The home feed: company-wide posts, posts in the member's groups and posts
    by colleagues they follow; all of them filtered by what the member may read
    (groups.selectors decides). Newest first, or with `top` the posts of the
    last week with the most engagement since (comments count double).
    Decorated as the API shows posts; a page that shows cards adds their
    comment previews (attach_latest_comments): the API has no use for them."""
    followed = following_of(user).values("followed_id")
    memberships = Membership.objects.filter(user_id=user.pk).values("group_id")
    home = _post_list(user).filter(
        Q(group__isnull=True) | Q(group__in=memberships) | Q(author__in=followed)
    )
    ordering = FEED_ORDERING
    if top:
        since = timezone.now() - dt.timedelta(days=TOP_WINDOW_DAYS)
        home = home.filter(created_at__gte=since).annotate(
            engagement=count_of(Reaction.objects.filter(created_at__gte=since), link="post")
            + 2 * count_of(_live_comments().filter(created_at__gte=since), link="post")
        )
        ordering = ["-engagement", "-pk"]
    page = keyset_paginate(home, ordering=ordering, cursor=cursor, size=size)
    attach_engagement(page.items, user)
    return page


def profile_posts_for(
    user, member, *, cursor: str | None = None, size: int = 20
) -> KeysetPage[Post]:
    """A member's posts that the viewer may read, newest first."""
    page = keyset_paginate(
        _post_list(user).filter(author=member), ordering=FEED_ORDERING, cursor=cursor, size=size
    )
    attach_engagement(page.items, user)
    attach_latest_comments(page.items)
    return page


def mentions_of(user, *, cursor: str | None = None, size: int = 20) -> KeysetPage[Post]:
    """Posts that mention the member, in the post or a comment, that they may read."""
    mentioned = Mention.objects.filter(user_id=user.pk).values("post_id")
    page = keyset_paginate(
        _post_list(user).filter(pk__in=mentioned),
        ordering=FEED_ORDERING,
        cursor=cursor,
        size=size,
    )
    attach_engagement(page.items, user)
    attach_latest_comments(page.items)
    return page


LATEST_COMMENTS_SHOWN = 2


def attach_latest_comments(posts: list[Post]) -> None:
    """The newest live comments of each post on a page, in one query."""
    ids = [post.pk for post in posts]
    latest: dict[int, list[Comment]] = defaultdict(list)
    if ids:
        ranked = (
            _live_comments()
            .filter(post_id__in=ids)
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("post_id")],
                    order_by=[F("created_at").desc(), F("pk").desc()],
                )
            )
            .filter(rank__lte=LATEST_COMMENTS_SHOWN)
            .select_related("author__profile")
            # What a card shows of a comment: no wide user and profile rows.
            .only(
                "post_id", "created_at", "body", "author__username", "author__profile__display_name"
            )
        )
        for comment in ranked:
            latest[comment.post_id].append(comment)
    for post in posts:
        post.latest_comments = sorted(latest.get(post.pk, []), key=lambda c: (c.created_at, c.pk))


def kudos_for_home(user, *, limit: int = 5):
    """Recent kudos to colleagues the member follows (kudos are company-wide)."""
    followed = following_of(user).values("followed_id")
    # Only what the strip shows: the wide user and profile rows cost more to
    # fetch and build than the rest of the query (B3).
    return (
        kudos_list()
        .filter(receiver__in=followed)
        .only(
            "category",
            "message",
            "created_at",
            "giver__profile__display_name",
            "receiver__profile__display_name",
        )[:limit]
    )


def group_posts_for(
    user, group: Group, *, cursor: str | None = None, size: int = 20
) -> KeysetPage[Post]:
    """A group's unpinned posts, if the user may read the group (else none)."""
    page = keyset_paginate(
        _post_list(user).filter(group=group, pinned_at__isnull=True),
        ordering=FEED_ORDERING,
        cursor=cursor,
        size=size,
    )
    attach_engagement(page.items, user)
    return page


MAX_PINNED = 5


def pinned_posts_for(user, group: Group) -> list[Post]:
    """The group's pinned posts, newest pin first, shown above the stream."""
    posts = list(
        _post_list(user)
        .filter(group=group, pinned_at__isnull=False)
        .order_by("-pinned_at")[:MAX_PINNED]
    )
    return attach_engagement(posts, user)


def saved_posts_for(user, *, cursor: str | None = None, size: int = 20) -> KeysetPage[Post]:
    """The member's bookmarks that they may still read, most recently saved first."""
    saved_at = Bookmark.objects.filter(post=OuterRef("pk"), user_id=user.pk).values("created_at")
    saved = (
        _post_list(user)
        .annotate(saved_at=Subquery(saved_at[:1], output_field=DateTimeField()))
        .filter(saved_at__isnull=False)
    )
    page = keyset_paginate(saved, ordering=["-saved_at", "-pk"], cursor=cursor, size=size)
    attach_engagement(page.items, user)
    return page


def attachment_for(user, attachment_id: int) -> Attachment:
    """An attachment is exactly as visible as its post (Http404 otherwise)."""
    attachment = Attachment.objects.filter(
        post_readable_by(user, via="post__"), pk=attachment_id
    ).first()
    if attachment is None:
        raise Http404("No file here.")
    return attachment


def moderation_queue_for(user) -> QuerySet[Report]:
    """Open reports on content the user moderates: their groups' content for
    group owners/admins; company-wide and readable content for community
    managers. Never a report on content the user may not read."""
    managed = Membership.objects.filter(user_id=user.pk, role__in=[Role.OWNER, Role.ADMIN])
    scope = Q(post__group__in=managed.values("group_id"))
    if is_community_manager(user):
        scope |= Q(post__group__isnull=True) | Q(
            post__group__in=groups_readable_by(user).values("pk")
        )
    return (
        Report.objects.filter(state=ReportState.OPEN)
        .filter(scope)
        .select_related(
            "post__author__profile", "post__group", "comment__author__profile", "reporter__profile"
        )
        .order_by("created_at", "pk")
    )


def moderation_log_for(user, *, limit: int = 50) -> QuerySet[ModerationAction]:
    """Recent moderator actions in the scope the user moderates (the audit log)."""
    managed = Membership.objects.filter(user_id=user.pk, role__in=[Role.OWNER, Role.ADMIN])
    scope = Q(group_id__in=managed.values("group_id"))
    if is_community_manager(user):
        scope |= Q(group_id__isnull=True) | Q(group_id__in=groups_readable_by(user).values("pk"))
    return (
        ModerationAction.objects.filter(scope)
        .select_related("moderator__profile", "post", "comment")
        .order_by("-created_at", "-pk")[:limit]
    )


def hashtag_posts_for(
    user, tag: str, *, cursor: str | None = None, size: int = 20
) -> KeysetPage[Post]:
    """Posts carrying #tag that the user may read."""
    # By id from taggit's rows: joining them (their object_id is an int, a post
    # id a bigint) made PostgreSQL merge-join every post (0.77 s at 1M posts).
    tagged = TaggedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(Post), tag__name__iexact=tag
    ).values("object_id")
    page = keyset_paginate(
        _post_list(user).filter(pk__in=tagged),
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


def deleted_comment_for_moderator(user, comment_id: int) -> Comment:
    """A deleted comment on a readable post, for that post's moderators only."""
    comment = (
        Comment.objects.filter(pk=comment_id, deleted_at__isnull=False)
        .select_related("post__group")
        .first()
    )
    if comment is None:
        raise Http404("No comment here.")
    access_post(user, comment.post_id)
    if not user_may_moderate_group(user, comment.post.group):
        raise Http404("No comment here.")
    return comment


def revisions_of(post: Post) -> QuerySet[Revision]:
    """Earlier texts of a post and of its comments, newest first."""
    return (
        Revision.objects.filter(Q(post=post) | Q(comment__post=post))
        .select_related("edited_by__profile", "comment")
        .order_by("-created_at", "-pk")
    )


CATCH_UP_LIMIT = 500


def member_group_ids(user) -> set[int]:
    """The groups whose live events reach this member's sockets."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return set(Membership.objects.filter(user_id=user.pk).values_list("group_id", flat=True))


def live_events_missed_by(
    user, *, after: int, watched_post_ids: set[int] = frozenset()
) -> list[LiveEvent] | None:
    """Events after `after` that this member's sockets would have received and
    may still see, oldest first: their own, company-wide ones, those of groups
    they are a member of now, and those of watched posts in groups they may read.
    None when more than CATCH_UP_LIMIT were missed (the page should reload)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    memberships = Membership.objects.filter(user_id=user.pk).values("group_id")
    shared = Q(recipient_id__isnull=True)
    scope = (
        Q(recipient_id=user.pk)
        | (shared & Q(group_id__isnull=True))
        | (shared & Q(group_id__in=memberships))
    )
    if watched_post_ids:
        readable = groups_readable_by(user).values("pk")
        scope |= shared & Q(post_id__in=list(watched_post_ids), group_id__in=readable)
    events = list(
        LiveEvent.objects.filter(id__gt=after).filter(scope).order_by("id")[: CATCH_UP_LIMIT + 1]
    )
    return None if len(events) > CATCH_UP_LIMIT else events


def may_watch_post(user, post_id: int) -> bool:
    return posts_visible_to(user).filter(pk=post_id).exists()


def may_receive_group_event(user, group_id: int | None) -> bool:
    """For events reaching a socket through a watched post rather than group
    membership: the group must still be readable."""
    if group_id is None:
        return True
    return groups_readable_by(user).filter(pk=group_id).exists()


# --- notifications ------------------------------------------------------------------


def notifications_for(user, *, cursor: str | None = None, size: int = 30):
    """The member's notifications, most recently updated first."""
    queryset = Notification.objects.filter(recipient_id=user.pk).select_related(
        "actor__profile", "post", "group", "recipient"
    )
    return keyset_paginate(queryset, ordering=["-updated_at", "-pk"], cursor=cursor, size=size)


def unread_notification_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def _actor_name(notification: Notification) -> str:
    actor = notification.actor
    if actor is None:
        return gettext("Someone")
    profile = getattr(actor, "profile", None)
    return getattr(profile, "display_name", "") or actor.get_username()


def notification_text(notification: Notification) -> str:
    """One sentence, e.g. "Ann and 4 others reacted to your post"."""
    name, others = _actor_name(notification), notification.others
    who = (
        name
        if not others
        else ngettext("%(name)s and %(n)s other", "%(name)s and %(n)s others", others)
        % {"name": name, "n": others}
    )
    sentences = {
        NotificationKind.MENTION: gettext("%(who)s mentioned you"),
        NotificationKind.COMMENT: gettext("%(who)s commented on your post"),
        NotificationKind.REPLY: gettext("%(who)s replied to your comment"),
        NotificationKind.REACTION: gettext("%(who)s reacted to your post"),
        NotificationKind.ANSWER: gettext("%(who)s accepted your answer"),
        NotificationKind.JOIN_REQUEST: gettext("%(who)s asks to join %(group)s"),
        NotificationKind.KUDOS: gettext("%(who)s gave you kudos"),
        NotificationKind.INVITE_ACCEPTED: gettext("%(who)s accepted your invitation and joined"),
        NotificationKind.BADGE: gettext("You earned a badge"),  # `text` names it
    }
    text = sentences.get(notification.kind, "%(who)s") % {
        "who": who,
        "group": notification.group.name if notification.group_id else "",
    }
    return f"{text}: {notification.text}" if notification.text else text


def notification_url(notification: Notification, *, absolute: bool = False) -> str:
    if notification.post_id:
        path = reverse("feed:post", args=[notification.post_id])
        if notification.comment_id:
            path += f"#comment-{notification.comment_id}"
    elif notification.kind == NotificationKind.JOIN_REQUEST and notification.group_id:
        path = reverse("groups:members", args=[notification.group.slug])
    elif notification.kind == NotificationKind.KUDOS:
        path = f"/people/{notification.recipient.username}/#kudos"
    elif notification.kind == NotificationKind.BADGE:
        path = f"/people/{notification.recipient.username}/#badges"
    elif notification.kind == NotificationKind.INVITE_ACCEPTED and notification.actor_id:
        path = f"/people/{notification.actor.username}/"
    else:
        path = reverse("feed:notifications")
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path if absolute else path


DIGEST_PERIODS = {"daily": 1, "weekly": 7}


def digest_recipients(*, frequency: str) -> list[int]:
    """Active members on this digest frequency with unread notifications newer
    than their last digest (members without a choice get the weekly one)."""
    chosen = DigestSubscription.objects.filter(frequency=frequency).values("user_id")
    has_choice = DigestSubscription.objects.values("user_id")
    unread = Notification.objects.filter(read_at__isnull=True, recipient__is_active=True)
    if frequency == "weekly":
        unread = unread.filter(Q(recipient__in=chosen) | ~Q(recipient__in=has_choice))
    else:
        unread = unread.filter(recipient__in=chosen)
    return sorted(set(unread.values_list("recipient_id", flat=True)))


def digest_items_for(user, *, frequency: str) -> list[Notification]:
    """Unread notifications since the member's last digest (at most one period back)."""
    since = timezone.now() - dt.timedelta(days=DIGEST_PERIODS[frequency])
    subscription = DigestSubscription.objects.filter(user=user).first()
    if subscription and subscription.last_sent_at and subscription.last_sent_at > since:
        since = subscription.last_sent_at
    return list(
        Notification.objects.filter(recipient=user, read_at__isnull=True, updated_at__gt=since)
        .select_related("actor__profile", "post", "group", "recipient")
        .order_by("-updated_at", "-pk")[:50]
    )


# --- presence -----------------------------------------------------------------------


def online_user_ids(user_ids) -> set[int]:
    """Which of these members have a live socket (one cache round trip)."""
    keys = {f"presence:{pk}": pk for pk in user_ids}
    if not keys:
        return set()
    try:
        found = cache.get_many(list(keys))
    except Exception:
        # Redis down: presence dots are a nicety; the page must still load (DESIGN rule 3).
        logger.warning("presence not shown: the cache is unavailable", exc_info=True)
        return set()
    return {keys[key] for key in found}


ONLINE_SCAN_LIMIT = 5000


def online_members_of(group: Group, *, limit: int = 20) -> list:
    """Members of a group who are online now, profile joined (a bounded scan)."""
    member_ids = list(
        Membership.objects.filter(group=group, user__is_active=True).values_list(
            "user_id", flat=True
        )[:ONLINE_SCAN_LIMIT]
    )
    online = sorted(online_user_ids(member_ids))[:limit]
    return list(get_user_model().objects.filter(pk__in=online).select_related("profile"))


def moderates_something(user) -> bool:
    """Whether the moderation page has anything for this user (header link)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_community_manager(user):
        return True
    return Membership.objects.filter(user_id=user.pk, role__in=[Role.OWNER, Role.ADMIN]).exists()


def comment_threads_for(
    user, post: Post, *, cursor: str | None = None, size: int = 20
) -> KeysetPage[Comment]:
    """One page of a readable post's live comment threads, oldest first (keyset
    on created_at, pk), each with all its live replies (replies are one level
    deep). A reply whose parent was deleted is a thread of its own, as in
    comments_for. Three queries whatever the page holds: threads, replies,
    reactions. The caller has checked the post (access_post)."""
    live = _live_comments().filter(post=post).select_related("author__profile")
    tops = live.filter(Q(parent__isnull=True) | Q(parent__deleted_at__isnull=False))
    page = keyset_paginate(tops, ordering=["created_at", "pk"], cursor=cursor, size=size)
    if not page.items:
        return page
    replies = list(
        live.filter(parent_id__in=[c.pk for c in page.items]).order_by("created_at", "pk")
    )
    comments = [*page.items, *replies]
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    mine: dict[int, str] = {}
    for comment_id, kind, user_id in Reaction.objects.filter(
        comment_id__in=[c.pk for c in comments]
    ).values_list("comment_id", "kind", "user_id"):
        counts[comment_id][kind] = counts[comment_id].get(kind, 0) + 1
        if user_id == user.pk:
            mine[comment_id] = kind
    by_parent: dict[int, list[Comment]] = defaultdict(list)
    for comment in comments:
        comment.reaction_summary = reaction_summary(counts[comment.pk], mine.get(comment.pk))
        comment.is_accepted = comment.pk == post.accepted_comment_id
        comment.post = post
    for reply in replies:
        by_parent[reply.parent_id].append(reply)
    for thread in page.items:
        thread.thread_replies = by_parent.get(thread.pk, [])
    return page
