"""Every write to posts, comments and reactions. Each checks the actor's right
through groups.selectors, works inside one transaction, and records its
participation events there (live delivery arrives with the feed issue, on commit)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import Group
from groups.selectors import (
    is_community_manager,
    user_may_manage_group,
    user_may_moderate_group,
    user_may_post_in,
)
from metrics.models import EventKind
from metrics.services import event_record

from .models import Comment, Mention, Post, Reaction, ReactionKind, Revision
from .rendering import render_body
from .selectors import access_post


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write something first.")})
    limit = settings.BUZZ_POST_MAX_CHARS
    if len(body) > limit:
        raise ValidationError(
            {
                "body": _("Keep it under %(limit)s characters (now %(count)s).")
                % {"limit": limit, "count": len(body)}
            }
        )
    return body


def _sync_mentions(*, actor, post: Post, comment: Comment | None, user_ids: list[int]) -> None:
    existing = set(
        Mention.objects.filter(post=post, comment=comment).values_list("user_id", flat=True)
    )
    new = [uid for uid in user_ids if uid not in existing and uid != actor.pk]
    Mention.objects.bulk_create(Mention(user_id=uid, post=post, comment=comment) for uid in new)
    for _uid in new:
        event_record(actor=actor, kind=EventKind.MENTION, group_id=post.group_id, target=post)


@transaction.atomic
def post_create(
    *,
    actor,
    body: str,
    group: Group | None = None,
    is_question: bool = False,
    is_announcement: bool = False,
) -> Post:
    """Members post in their groups; everyone on the company-wide stream; only
    community managers make announcements, and only company-wide."""
    if not user_may_post_in(actor, group):
        raise PermissionDenied(_("Only members of this group may post here."))
    if is_announcement and (group is not None or not is_community_manager(actor)):
        raise PermissionDenied(_("Only community managers post company-wide announcements."))
    body = _clean_body(body)
    rendered = render_body(body)
    post = Post.objects.create(
        author=actor,
        group=group,
        body=body,
        body_html=rendered.html,
        is_question=is_question,
        is_announcement=is_announcement,
    )
    if rendered.hashtags:
        post.hashtags.set(rendered.hashtags)
    _sync_mentions(actor=actor, post=post, comment=None, user_ids=rendered.mentioned_user_ids)
    event_record(actor=actor, kind=EventKind.POST, group_id=post.group_id, target=post)
    return post


@transaction.atomic
def post_update(*, actor, post: Post, body: str) -> Post:
    """Authors edit their own posts; the old text is kept for moderators."""
    if post.author_id != actor.pk or post.deleted_at is not None:
        raise PermissionDenied(_("Only the author may edit this post."))
    body = _clean_body(body)
    if body == post.body:
        return post
    Revision.objects.create(post=post, body=post.body, edited_by=actor)
    rendered = render_body(body)
    post.body, post.body_html, post.edited_at = body, rendered.html, timezone.now()
    post.save(update_fields=["body", "body_html", "edited_at"])
    post.hashtags.set(rendered.hashtags)
    _sync_mentions(actor=actor, post=post, comment=None, user_ids=rendered.mentioned_user_ids)
    return post


def _may_delete(actor, author_id: int, group: Group | None) -> bool:
    return author_id == actor.pk or user_may_moderate_group(actor, group)


@transaction.atomic
def post_delete(*, actor, post: Post) -> Post:
    """Soft delete by the author or a moderator; moderators can restore."""
    if not _may_delete(actor, post.author_id, post.group):
        raise PermissionDenied(_("You may not delete this post."))
    post.deleted_at, post.deleted_by = timezone.now(), actor
    post.save(update_fields=["deleted_at", "deleted_by"])
    return post


@transaction.atomic
def post_restore(*, actor, post: Post) -> Post:
    if not user_may_moderate_group(actor, post.group):
        raise PermissionDenied(_("Only moderators may restore posts."))
    post.deleted_at, post.deleted_by = None, None
    post.save(update_fields=["deleted_at", "deleted_by"])
    return post


@transaction.atomic
def comment_create(*, actor, post: Post, body: str, parent: Comment | None = None) -> Comment:
    """Anyone who may read a post may comment, unless its group is archived.
    Replies are one level deep: a reply to a reply joins its thread."""
    post = access_post(actor, post.pk)
    if post.group is not None and post.group.archived_at is not None:
        raise ValidationError(_("This group is archived."))
    if parent is not None:
        if parent.post_id != post.pk or parent.deleted_at is not None:
            raise ValidationError(_("You can only reply to a comment on this post."))
        parent = parent.parent or parent
    body = _clean_body(body)
    rendered = render_body(body)
    comment = Comment.objects.create(
        post=post, parent=parent, author=actor, body=body, body_html=rendered.html
    )
    _sync_mentions(actor=actor, post=post, comment=comment, user_ids=rendered.mentioned_user_ids)
    event_record(actor=actor, kind=EventKind.COMMENT, group_id=post.group_id, target=comment)
    return comment


@transaction.atomic
def comment_update(*, actor, comment: Comment, body: str) -> Comment:
    if comment.author_id != actor.pk or comment.deleted_at is not None:
        raise PermissionDenied(_("Only the author may edit this comment."))
    body = _clean_body(body)
    if body == comment.body:
        return comment
    Revision.objects.create(comment=comment, body=comment.body, edited_by=actor)
    rendered = render_body(body)
    comment.body, comment.body_html, comment.edited_at = body, rendered.html, timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    _sync_mentions(
        actor=actor, post=comment.post, comment=comment, user_ids=rendered.mentioned_user_ids
    )
    return comment


@transaction.atomic
def comment_delete(*, actor, comment: Comment) -> Comment:
    if not _may_delete(actor, comment.author_id, comment.post.group):
        raise PermissionDenied(_("You may not delete this comment."))
    comment.deleted_at, comment.deleted_by = timezone.now(), actor
    comment.save(update_fields=["deleted_at", "deleted_by"])
    Post.objects.filter(pk=comment.post_id, accepted_comment=comment).update(accepted_comment=None)
    return comment


@transaction.atomic
def comment_restore(*, actor, comment: Comment) -> Comment:
    if not user_may_moderate_group(actor, comment.post.group):
        raise PermissionDenied(_("Only moderators may restore comments."))
    comment.deleted_at, comment.deleted_by = None, None
    comment.save(update_fields=["deleted_at", "deleted_by"])
    return comment


@transaction.atomic
def answer_accept(*, actor, post: Post, comment: Comment | None) -> Post:
    """The asker or a group admin marks one comment as the accepted answer (or
    clears it with None). The answer's author gains evidence of expertise."""
    if not post.is_question:
        raise ValidationError(_("Only questions have accepted answers."))
    may_accept = post.author_id == actor.pk or (
        post.group is not None and user_may_manage_group(actor, post.group)
    )
    if not may_accept:
        raise PermissionDenied(_("Only the asker or a group admin may accept an answer."))
    if comment is not None and (comment.post_id != post.pk or comment.deleted_at is not None):
        raise ValidationError(_("That comment does not answer this question."))
    post.accepted_comment = comment
    post.save(update_fields=["accepted_comment"])
    if comment is not None:
        event_record(
            actor=comment.author,
            kind=EventKind.ACCEPTED_ANSWER,
            group_id=post.group_id,
            target=comment,
        )
    return post


@transaction.atomic
def reaction_toggle(
    *, actor, kind: str, post: Post | None = None, comment: Comment | None = None
) -> Reaction | None:
    """One reaction kind per member per post or comment: the same kind again
    removes it, another kind replaces it. Returns the reaction now in place."""
    if kind not in ReactionKind.values:
        raise ValidationError(_("Unknown reaction."))
    if (post is None) == (comment is None):
        raise ValidationError(_("React to a post or a comment."))
    target_post = access_post(actor, post.pk if post else comment.post_id)
    if comment is not None and comment.deleted_at is not None:
        raise ValidationError(_("This comment was deleted."))
    lookup = {"post": target_post, "comment": None} if post else {"comment": comment}
    existing = Reaction.objects.select_for_update().filter(user=actor, **lookup).first()
    if existing and existing.kind == kind:
        existing.delete()
        return None
    if existing:
        existing.kind = kind
        existing.save(update_fields=["kind"])
        return existing
    reaction = Reaction.objects.create(
        user=actor, kind=kind, post=target_post if post else None, comment=comment
    )
    event_record(
        actor=actor,
        kind=EventKind.REACT,
        group_id=target_post.group_id,
        target=comment or target_post,
    )
    return reaction
