"""Every write to posts, comments and reactions. Each checks the actor's right
through groups.selectors, works inside one transaction, and records its
participation events there (live delivery arrives with the feed issue, on commit)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from taggit.models import Tag, TaggedItem

from community import ratelimit
from community.models import AuditAction
from community.querysets import count_of
from community.services import audit_record
from community.uploads import check_size, open_image, reencode_image, sniff_upload
from groups.models import Group
from groups.selectors import (
    group_on_public_display,
    is_community_manager,
    posts_visible_to,
    user_may_accept_answer,
    user_may_manage_group,
    user_may_moderate_group,
    user_may_post_in,
)
from metrics.models import EventKind
from metrics.services import event_record, events_record, reads_record
from profiles.selectors import tags_named
from search.models import DocumentKind
from search.services import outbox_add
from webhooks.services import webhook_post_created_emit

from .models import (
    Attachment,
    Bookmark,
    Comment,
    DeliveryChoice,
    DigestFrequency,
    DigestSubscription,
    Mention,
    ModerationAction,
    Mute,
    Notification,
    NotificationKind,
    NotificationPreference,
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
from .realtime import live_event_publish
from .rendering import render_body
from .selectors import access_post, digest_recipients
from .tasks import notification_digest, notification_email


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write something first.")})
    if "\x00" in body:
        # Web forms refuse it already; the API does not, and PostgreSQL would fail (500).
        raise ValidationError({"body": _("Null characters are not allowed.")})
    limit = settings.BUZZ_POST_MAX_CHARS
    if len(body) > limit:
        raise ValidationError(
            {
                "body": _("Keep it under %(limit)s characters (now %(count)s).")
                % {"limit": limit, "count": len(body)}
            }
        )
    return body


def _sync_mentions(
    *,
    actor,
    post: Post,
    comment: Comment | None,
    user_ids: list[int],
    created: bool = False,
    act: EventKind | None = None,
) -> None:
    """Mention rows, events and notifications for the members newly mentioned.
    `created`: the post or comment was just made, so it mentions nobody yet.
    `act`: the write's own participation event (its target the comment, else
    the post), recorded in the same INSERT as the mentions' events."""
    existing: set[int] = set()
    if not created:
        existing = set(
            Mention.objects.filter(post=post, comment=comment).values_list("user_id", flat=True)
        )
    new = [uid for uid in dict.fromkeys(user_ids) if uid not in existing and uid != actor.pk]
    Mention.objects.bulk_create(Mention(user_id=uid, post=post, comment=comment) for uid in new)
    events: list[tuple[EventKind, int | None, Post | Comment]] = [
        (EventKind.MENTION, post.group_id, post) for _uid in new
    ]
    if act is not None:
        events.append((act, post.group_id, comment or post))
    events_record(actor=actor, events=events)
    for uid in new:
        notify(
            recipient_id=uid,
            kind=NotificationKind.MENTION,
            actor=actor,
            post=post,
            comment=comment,
        )


def _hashtags_attach_new(post: Post, names: Sequence[str]) -> dict[str, Tag]:
    """A new post's hashtags with taggit's rules (an existing tag in any case,
    else a new one) in two queries; taggit's set() costs about five per tag.
    No TaggedItem signal is needed: the new post is already in the search outbox
    and is indexed with its tags after commit. Returns the tag of each name."""
    existing = tags_named(names)
    tags: dict[int, Tag] = {}
    for name in names:
        tag = existing.get(name)
        if tag is None:
            tag, _created = Tag.objects.get_or_create(name__iexact=name, defaults={"name": name})
            existing[name] = tag
        tags.setdefault(tag.pk, tag)
    TaggedItem.objects.bulk_create(
        [TaggedItem(content_object=post, tag=tag) for tag in tags.values()]
    )
    return existing


def _evidence_for_post(*, actor, post: Post, hashtags: Sequence[str]) -> None:
    """A post tagged #x is evidence that its author knows x (search ranks on it);
    a question tagged #x is not: asking shows the opposite."""
    # profiles.services imports this module (a departed member's posts): import late.
    from profiles.services import expertise_evidence_record, expertise_evidence_withdraw

    expertise_evidence_withdraw(actor=actor, kind="post_tagged", object_id=post.pk)
    if post.is_question:
        return
    for tag in hashtags:
        expertise_evidence_record(
            actor=actor, user=post.author, tag_name=tag, kind="post_tagged", object_id=post.pk
        )


def _evidence_for_answer(*, actor, post: Post, old: int | None, new: Comment | None) -> None:
    """An accepted answer on a question tagged #x is evidence its author knows x."""
    from profiles.services import expertise_evidence_record, expertise_evidence_withdraw

    if old is not None:
        expertise_evidence_withdraw(actor=actor, kind="accepted_answer", object_id=old)
    if new is not None:
        for tag in post.hashtags.names():
            expertise_evidence_record(
                actor=actor,
                user=new.author,
                tag_name=tag,
                kind="accepted_answer",
                object_id=new.pk,
            )


def _name(user) -> str:
    profile = getattr(user, "profile", None)
    return getattr(profile, "display_name", "") or user.get_username()


def _publish(post: Post, event_type: str, **payload) -> None:
    """A live event about a post, for the sockets that may see that post."""
    on_public_display = None  # not known: the publisher looks it up after commit
    if post.group_id is None or Post.group.is_cached(post):
        on_public_display = group_on_public_display(post.group)
    live_event_publish(
        type=event_type,
        group_id=post.group_id,
        post_id=post.pk,
        payload={"post": post.pk, "group": post.group_id, **payload},
        on_public_display=on_public_display,
    )


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
    community managers make announcements, and only company-wide. At most
    BUZZ_RATE_POSTS_PER_MINUTE posts a minute per member (RateLimited beyond)."""
    return _post_create(
        actor=actor,
        body=body,
        group=group,
        is_question=is_question,
        is_announcement=is_announcement,
    )


def _post_create(
    *,
    actor,
    body: str,
    group: Group | None,
    is_question: bool,
    is_announcement: bool,
    rate_checked: bool = False,
) -> Post:
    # post_create without its own atomic block: post_publish's transaction holds
    # it, and a nested block would cost a SAVEPOINT and its RELEASE per post.
    if not user_may_post_in(actor, group):
        raise PermissionDenied(_("Only members of this group may post here."))
    if is_announcement and (group is not None or not is_community_manager(actor)):
        raise PermissionDenied(_("Only community managers post company-wide announcements."))
    body = _clean_body(body)
    # Every path (page, API, scripts) is limited here, after the checks that
    # refuse without writing and before the first write: a refused post leaves
    # nothing behind, and the 429 (RateLimited) tells when to try again.
    if not rate_checked:
        ratelimit.check_post(actor)
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
        tags = _hashtags_attach_new(post, rendered.hashtags)
        if not post.is_question:  # asking about #x shows the opposite of knowing it
            from profiles.services import expertise_evidence_record_many  # imports this module

            expertise_evidence_record_many(
                actor=actor,
                user=actor,
                tag_names=rendered.hashtags,
                kind="post_tagged",
                object_id=post.pk,
                known_tags=tags,
            )
    _sync_mentions(
        actor=actor,
        post=post,
        comment=None,
        user_ids=rendered.mentioned_user_ids,
        created=True,
        act=EventKind.POST,
    )
    _publish(post, "post.created", author=_name(actor))
    webhook_post_created_emit(post=post)  # open groups only; sent on commit
    return post


def _replace_text(item: Post | Comment, *, actor, body: str, revision_of: dict):
    """New text for a post or comment; the old one is kept as a Revision for
    moderators. Returns the rendering, or None when nothing changed."""
    body = _clean_body(body)
    if body == item.body:
        return None
    Revision.objects.create(body=item.body, edited_by=actor, **revision_of)
    rendered = render_body(body)
    item.body, item.body_html, item.edited_at = body, rendered.html, timezone.now()
    item.save(update_fields=["body", "body_html", "edited_at"])
    return rendered


@transaction.atomic
def post_update(*, actor, post: Post, body: str) -> Post:
    """Authors edit their own posts; the old text is kept for moderators."""
    if post.author_id != actor.pk or post.deleted_at is not None:
        raise PermissionDenied(_("Only the author may edit this post."))
    rendered = _replace_text(post, actor=actor, body=body, revision_of={"post": post})
    if rendered is None:
        return post
    post.hashtags.set(rendered.hashtags)
    _evidence_for_post(actor=actor, post=post, hashtags=rendered.hashtags)
    _sync_mentions(actor=actor, post=post, comment=None, user_ids=rendered.mentioned_user_ids)
    _publish(post, "post.updated", body_html=str(rendered.html))
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
    _evidence_for_post(actor=actor, post=post, hashtags=[])
    _evidence_for_answer(actor=actor, post=post, old=post.accepted_comment_id, new=None)
    if actor.pk != post.author_id:
        _log(actor=actor, action=ModerationAction.Action.DELETE, post=post, comment=None)
    _publish(post, "post.deleted")
    return post


@transaction.atomic
def post_restore(*, actor, post: Post) -> Post:
    if not user_may_moderate_group(actor, post.group):
        raise PermissionDenied(_("Only moderators may restore posts."))
    post.deleted_at, post.deleted_by = None, None
    post.save(update_fields=["deleted_at", "deleted_by"])
    _log(actor=actor, action=ModerationAction.Action.RESTORE, post=post, comment=None)
    return post


@transaction.atomic
def comment_create(*, actor, post: Post, body: str, parent: Comment | None = None) -> Comment:
    """Anyone who may read a post may comment, unless its group is archived.
    Replies are one level deep: a reply to a reply joins its thread. At most
    BUZZ_RATE_COMMENTS_PER_MINUTE a minute per member (RateLimited beyond)."""
    post = access_post(actor, post.pk)
    if post.group is not None and post.group.archived_at is not None:
        raise ValidationError(_("This group is archived."))
    if parent is not None:
        if parent.post_id != post.pk or parent.deleted_at is not None:
            raise ValidationError(_("You can only reply to a comment on this post."))
        parent = parent.parent or parent
    body = _clean_body(body)
    ratelimit.check_comment(actor)  # as for posts: every path, before any write
    rendered = render_body(body)
    comment = Comment.objects.create(
        post=post, parent=parent, author=actor, body=body, body_html=rendered.html
    )
    _sync_mentions(
        actor=actor,
        post=post,
        comment=comment,
        user_ids=rendered.mentioned_user_ids,
        created=True,
        act=EventKind.COMMENT,
    )
    notify(
        recipient_id=post.author_id,
        kind=NotificationKind.COMMENT,
        actor=actor,
        post=post,
        comment=comment,
    )
    if parent is not None and parent.author_id != post.author_id:
        notify(
            recipient_id=parent.author_id,
            kind=NotificationKind.REPLY,
            actor=actor,
            post=post,
            comment=comment,
        )
    _publish(
        post,
        "comment.created",
        comment=comment.pk,
        author=_name(actor),
        comment_count=post.comments.filter(deleted_at__isnull=True).count(),
    )
    return comment


@transaction.atomic
def comment_update(*, actor, comment: Comment, body: str) -> Comment:
    if comment.author_id != actor.pk or comment.deleted_at is not None:
        raise PermissionDenied(_("Only the author may edit this comment."))
    rendered = _replace_text(comment, actor=actor, body=body, revision_of={"comment": comment})
    if rendered is None:
        return comment
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
    if actor.pk != comment.author_id:
        _log(actor=actor, action=ModerationAction.Action.DELETE, post=comment.post, comment=comment)
    if Post.objects.filter(pk=comment.post_id, accepted_comment=comment).update(
        accepted_comment=None
    ):
        _evidence_for_answer(actor=actor, post=comment.post, old=comment.pk, new=None)
    _publish(comment.post, "comment.deleted", comment=comment.pk)
    return comment


@transaction.atomic
def comment_restore(*, actor, comment: Comment) -> Comment:
    if not user_may_moderate_group(actor, comment.post.group):
        raise PermissionDenied(_("Only moderators may restore comments."))
    comment.deleted_at, comment.deleted_by = None, None
    comment.save(update_fields=["deleted_at", "deleted_by"])
    _log(actor=actor, action=ModerationAction.Action.RESTORE, post=comment.post, comment=comment)
    return comment


@transaction.atomic
def answer_accept(*, actor, post: Post, comment: Comment | None) -> Post:
    """The asker or a group admin marks one comment as the accepted answer (or
    clears it with None). The answer's author gains evidence of expertise."""
    if not post.is_question:
        raise ValidationError(_("Only questions have accepted answers."))
    may_accept = user_may_accept_answer(actor, post)
    if not may_accept:
        raise PermissionDenied(_("Only the asker or a group admin may accept an answer."))
    if comment is not None and (comment.post_id != post.pk or comment.deleted_at is not None):
        raise ValidationError(_("That comment does not answer this question."))
    previous = post.accepted_comment_id
    post.accepted_comment = comment
    post.save(update_fields=["accepted_comment"])
    _evidence_for_answer(actor=actor, post=post, old=previous, new=comment)
    if comment is not None:
        notify(
            recipient_id=comment.author_id,
            kind=NotificationKind.ANSWER,
            actor=actor,
            post=post,
            comment=comment,
        )
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
        reaction = None
    elif existing:
        existing.kind = kind
        existing.save(update_fields=["kind"])
        reaction = existing
    else:
        reaction = Reaction.objects.create(
            user=actor, kind=kind, post=target_post if post else None, comment=comment
        )
        event_record(
            actor=actor,
            kind=EventKind.REACT,
            group_id=target_post.group_id,
            target=comment or target_post,
        )
        notify(
            recipient_id=comment.author_id if comment else target_post.author_id,
            kind=NotificationKind.REACTION,
            actor=actor,
            post=target_post,
            comment=comment,
        )
    counts = dict(
        Reaction.objects.filter(**lookup).values_list("kind").annotate(n=Count("pk")).order_by()
    )
    _publish(
        target_post, "reaction.changed", comment=comment.pk if comment else None, counts=counts
    )
    return reaction


# --- attachments ---------------------------------------------------------------


@dataclass(frozen=True)
class _PreparedFile:
    content: ContentFile
    original_name: str
    content_type: str
    is_image: bool
    width: int | None = None
    height: int | None = None


def _prepare_attachment(upload: UploadedFile) -> _PreparedFile:
    """Judge an upload by content before anything is stored: images (re-encoded,
    so no EXIF or hidden payload survives) or known document types; size-limited."""
    check_size(upload, settings.BUZZ_ATTACHMENT_MAX_BYTES)
    sniffed = sniff_upload(upload)
    name = PurePath(upload.name or "file").name[:200] or "file"
    if sniffed.is_image:
        image = open_image(upload, max_pixels=settings.BUZZ_ATTACHMENT_MAX_PIXELS)
        stem = PurePath(name).stem or "image"
        return _PreparedFile(
            content=reencode_image(image, name=stem),
            original_name=f"{stem}.webp",
            content_type="image/webp",
            is_image=True,
            width=image.width,
            height=image.height,
        )
    upload.seek(0)
    return _PreparedFile(
        content=ContentFile(upload.read(), name=name),
        original_name=name,
        content_type=sniffed.mime,
        is_image=False,
    )


def _store_attachment(post: Post, prepared: _PreparedFile) -> Attachment:
    attachment = Attachment(
        post=post,
        original_name=prepared.original_name,
        content_type=prepared.content_type,
        is_image=prepared.is_image,
        width=prepared.width,
        height=prepared.height,
        size=prepared.content.size,
    )
    attachment.file.save(prepared.content.name, prepared.content, save=False)
    attachment.save()
    return attachment


def _check_attachment_room(post: Post, adding: int) -> None:
    limit = settings.BUZZ_ATTACHMENTS_PER_POST
    if post.attachments.count() + adding > limit:
        raise ValidationError(_("A post can have at most %(n)s attachments.") % {"n": limit})


@transaction.atomic
def attachment_add(*, actor, post: Post, upload: UploadedFile) -> Attachment:
    """The author adds a file to their post."""
    if post.author_id != actor.pk:
        raise PermissionDenied(_("Only the author may add attachments."))
    _check_attachment_room(post, 1)
    return _store_attachment(post, _prepare_attachment(upload))


@transaction.atomic
def post_publish(
    *,
    actor,
    body: str,
    group: Group | None = None,
    is_question: bool = False,
    is_announcement: bool = False,
    uploads: Sequence[UploadedFile] = (),
    poll_options: Sequence[str] = (),
    poll_multiple: bool = False,
    poll_closes_at=None,
) -> Post:
    """The composer's one use case: a post with its files and poll, all or nothing.
    Every file is judged before anything is written, so a refused file leaves
    neither a post nor stray files behind."""
    if len(uploads) > settings.BUZZ_ATTACHMENTS_PER_POST:
        raise ValidationError(
            _("A post can have at most %(n)s attachments.")
            % {"n": settings.BUZZ_ATTACHMENTS_PER_POST}
        )
    # The text and the rate limit first: a post over the limit costs no image work.
    _clean_body(body)
    ratelimit.check_post(actor)
    prepared = [_prepare_attachment(upload) for upload in uploads]
    post = _post_create(
        actor=actor,
        body=body,
        group=group,
        is_question=is_question,
        is_announcement=is_announcement,
        rate_checked=True,
    )
    for item in prepared:
        _store_attachment(post, item)
    if any(option.strip() for option in poll_options):
        poll_create(
            actor=actor,
            post=post,
            options=list(poll_options),
            allows_multiple=poll_multiple,
            closes_at=poll_closes_at,
        )
    return post


# --- pins, bookmarks --------------------------------------------------------------


@transaction.atomic
def post_pin(*, actor, post: Post, pinned: bool = True) -> Post:
    """Owners and admins pin posts to the top of their group."""
    if post.group is None or not user_may_manage_group(actor, post.group):
        raise PermissionDenied(_("Only the group's owners and admins pin posts."))
    post.pinned_at = timezone.now() if pinned else None
    post.save(update_fields=["pinned_at"])
    return post


@transaction.atomic
def bookmark_toggle(*, actor, post: Post) -> bool:
    """Save a readable post for later, or unsave it. Returns whether it is saved."""
    post = access_post(actor, post.pk)
    removed, _per_model = Bookmark.objects.filter(user=actor, post=post).delete()
    if removed:
        return False
    Bookmark.objects.create(user=actor, post=post)
    return True


# --- moderation -------------------------------------------------------------------


def _log(*, actor, action: str, post: Post, comment: Comment | None, reason: str = "") -> None:
    ModerationAction.objects.create(
        moderator=actor,
        action=action,
        post=post,
        comment=comment,
        group_id=post.group_id,
        reason=reason[:500],
    )
    audit_record(
        actor=actor,
        action=AuditAction.MODERATOR_ACTION,
        detail={"action": action, "post": post.pk, "comment": comment and comment.pk},
    )


@transaction.atomic
def report_create(*, actor, post: Post, comment: Comment | None = None, reason: str) -> Report:
    """Any reader may report a post or comment with a reason; reporting the same
    thing twice while the report is open changes nothing."""
    post = access_post(actor, post.pk)
    if comment is not None and (comment.post_id != post.pk or comment.deleted_at is not None):
        raise ValidationError(_("That comment is not on this post."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say briefly what is wrong.")})
    existing = Report.objects.filter(
        reporter=actor, post=post, comment=comment, state=ReportState.OPEN
    ).first()
    if existing:
        return existing
    report = Report.objects.create(reporter=actor, post=post, comment=comment, reason=reason[:500])
    event_record(actor=actor, kind=EventKind.REPORT, group_id=post.group_id, target=post)
    return report


@transaction.atomic
def report_resolve(*, actor, report: Report, hide: bool, reason: str = "") -> Report:
    """A moderator hides the reported content (soft delete, restorable) or
    dismisses the report; either way it lands in the audit log."""
    post = report.post
    if report.state != ReportState.OPEN:
        raise ValidationError(_("This report was already handled."))
    if not user_may_moderate_group(actor, post.group):
        raise PermissionDenied(_("Only this group's moderators may handle its reports."))
    now = timezone.now()
    target = report.comment or post
    if hide:
        target.deleted_at, target.deleted_by = now, actor
        target.save(update_fields=["deleted_at", "deleted_by"])
        if report.comment is not None:
            _publish(post, "comment.deleted", comment=report.comment_id)
        else:
            _publish(post, "post.deleted")
    # One decision settles every open report on the same content.
    Report.objects.filter(post=post, comment=report.comment, state=ReportState.OPEN).update(
        state=ReportState.HIDDEN if hide else ReportState.DISMISSED,
        resolved_by=actor,
        resolved_at=now,
    )
    _log(
        actor=actor,
        action=ModerationAction.Action.HIDE if hide else ModerationAction.Action.DISMISS,
        post=post,
        comment=report.comment,
        reason=reason,
    )
    report.refresh_from_db()
    return report


# --- polls --------------------------------------------------------------------------


@transaction.atomic
def poll_create(
    *, actor, post: Post, options: list[str], allows_multiple: bool = False, closes_at=None
) -> Poll:
    """The author adds a poll of 2 to 10 distinct options to their post."""
    if post.author_id != actor.pk:
        raise PermissionDenied(_("Only the author may add a poll."))
    labels = [label.strip()[:120] for label in options if label.strip()]
    if len(labels) < 2 or len(labels) > 10 or len({lbl.lower() for lbl in labels}) != len(labels):
        raise ValidationError({"options": _("Give between 2 and 10 different options.")})
    if closes_at is not None and closes_at <= timezone.now():
        raise ValidationError({"closes_at": _("The closing time must be in the future.")})
    poll = Poll.objects.create(post=post, allows_multiple=allows_multiple, closes_at=closes_at)
    PollOption.objects.bulk_create(
        PollOption(poll=poll, label=label, position=index) for index, label in enumerate(labels)
    )
    return poll


@transaction.atomic
def poll_vote(*, actor, poll: Poll, option_ids: list[int]) -> list[PollVote]:
    """Readers of the post vote until the poll closes; voting again replaces the vote."""
    access_post(actor, poll.post_id)
    if poll.is_closed:
        raise ValidationError(_("This poll is closed."))
    options = list(poll.options.filter(pk__in=option_ids))
    if not options or len(options) != len(set(option_ids)):
        raise ValidationError(_("Choose one of the poll's options."))
    if len(options) > 1 and not poll.allows_multiple:
        raise ValidationError(_("This poll takes one answer."))
    PollVote.objects.filter(poll=poll, user=actor).delete()
    return PollVote.objects.bulk_create(
        PollVote(poll=poll, option=option, user=actor) for option in options
    )


# --- a member who leaves the organisation ------------------------------------------


@transaction.atomic
def member_content_anonymise(*, member, placeholder) -> None:
    """Attribute a departed member's posts and comments to a placeholder account
    ("Former colleague"); the discussions stay readable."""
    Post.objects.filter(author=member).update(author=placeholder)
    Comment.objects.filter(author=member).update(author=placeholder)
    # Earlier versions were written by the member too: keep who edited anonymous.
    Revision.objects.filter(edited_by=member).update(edited_by=placeholder)


@transaction.atomic
def member_content_remove(*, member) -> None:
    """Soft-delete a departed member's posts and comments, and drop the text of
    their earlier versions (nothing of theirs stays readable, even to moderators)."""
    now = timezone.now()
    posts = Post.objects.filter(author=member, deleted_at__isnull=True)
    comments = Comment.objects.filter(author=member, deleted_at__isnull=True)
    # update() sends no signals: tell the search index what disappears.
    outbox_add(DocumentKind.POST, posts.values_list("pk", flat=True))
    outbox_add(
        DocumentKind.COMMENT,
        Comment.objects.filter(Q(post__in=posts) | Q(pk__in=comments)).values_list("pk", flat=True),
    )
    posts.update(deleted_at=now)
    comments.update(deleted_at=now)
    Revision.objects.filter(Q(post__author=member) | Q(comment__author=member)).delete()


# --- notifications ------------------------------------------------------------------

#: Kinds grouped into one unread notification per post ("Ann and 4 others ...").
GROUPED_KINDS = {NotificationKind.REACTION, NotificationKind.COMMENT}
MAX_ACTORS_KEPT = 50


def _recipient_for(
    recipient_id: int, kind: str, post: Post | None, group_id: int | None, now: dt.datetime
):
    """The active recipient with, in the same query, what notify weighs: their
    delivery choice for this kind, whether they muted the post or its group,
    and their notification counts (last hour, unread)."""
    mute_scope = Q(post=post) if post is not None else Q(pk__in=[])
    if group_id is not None:
        mute_scope |= Q(group_id=group_id)
    preference = NotificationPreference.objects.filter(user_id=OuterRef("pk"), kind=kind)
    return (
        get_user_model()
        .objects.filter(pk=recipient_id, is_active=True)
        .annotate(
            delivery_choice=Subquery(preference.values("delivery")[:1]),
            muted=Exists(Mute.objects.filter(mute_scope, user_id=OuterRef("pk"))),
            sent_last_hour=count_of(
                Notification.objects.filter(created_at__gte=now - dt.timedelta(hours=1)),
                link="recipient_id",
            ),
            unread=count_of(Notification.objects.filter(read_at__isnull=True), link="recipient_id"),
        )
        .first()
    )


def notify(
    *,
    recipient_id: int,
    kind: str,
    actor,
    post: Post | None = None,
    comment: Comment | None = None,
    group: Group | None = None,
    text: str = "",
) -> Notification | None:
    """Tell a member something, unless it is their own act, they turned this
    kind off, muted the post or its group, or may not see the content
    (groups.selectors decides). Reactions and comments on one post are grouped
    while unread. The unread counter updates live; email goes after commit.
    `actor` None: nobody acted (a badge earned)."""
    if actor is not None and recipient_id == actor.pk:
        return None
    now = timezone.now()
    group_id = post.group_id if post is not None else (group.pk if group else None)
    recipient = _recipient_for(recipient_id, kind, post, group_id, now)
    if recipient is None:
        return None
    delivery = recipient.delivery_choice or DeliveryChoice.IN_APP
    if delivery == DeliveryChoice.OFF or recipient.muted:
        return None
    if post is not None and not posts_visible_to(recipient).filter(pk=post.pk).exists():
        return None
    existing = None
    if kind in GROUPED_KINDS and post is not None:
        existing = (
            Notification.objects.select_for_update()
            .filter(recipient_id=recipient_id, kind=kind, post=post, read_at__isnull=True)
            .first()
        )
    if existing is not None:  # grouped kinds always have an actor
        actors = [pk for pk in existing.actor_ids if pk != actor.pk] + [actor.pk]
        existing.actor, existing.actor_ids = actor, actors[-MAX_ACTORS_KEPT:]
        existing.comment, existing.updated_at = comment or existing.comment, now
        existing.save(update_fields=["actor", "actor_ids", "comment", "updated_at"])
        notification = existing
        unread = recipient.unread  # the grouped notification was unread already
    else:
        notification = Notification.objects.create(
            quiet=recipient.sent_last_hour >= settings.BUZZ_NOTIFICATIONS_PER_HOUR,
            recipient_id=recipient_id,
            kind=kind,
            actor=actor,
            actor_ids=[actor.pk] if actor is not None else [],
            post=post,
            comment=comment,
            group=group,
            text=text[:200],
            created_at=now,
            updated_at=now,
        )
        unread = recipient.unread + 1
    if notification.quiet:
        return notification  # over budget: it waits for the digest
    live_event_publish(
        type="notification.created",
        recipient_id=recipient_id,
        payload={"unread": unread, "kind": kind},
    )
    if delivery == DeliveryChoice.EMAIL:
        notification_id = notification.pk
        transaction.on_commit(lambda: notification_email.enqueue(notification_id))
    return notification


@transaction.atomic
def notifications_mark_read(*, actor, notification_ids: Sequence[int] | None = None) -> int:
    """Mark the member's own notifications read (all of them when no ids)."""
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    count = unread.update(read_at=timezone.now())
    live_event_publish(
        type="notification.read",
        recipient_id=actor.pk,
        payload={
            "unread": Notification.objects.filter(recipient=actor, read_at__isnull=True).count()
        },
    )
    return count


@transaction.atomic
def notification_preferences_set(*, actor, choices: dict[str, str]) -> None:
    for kind, delivery in choices.items():
        if kind not in NotificationKind.values or delivery not in DeliveryChoice.values:
            raise ValidationError(_("Unknown notification setting."))
        NotificationPreference.objects.update_or_create(
            user=actor, kind=kind, defaults={"delivery": delivery}
        )


@transaction.atomic
def mute_toggle(*, actor, post: Post | None = None, group: Group | None = None) -> bool:
    """Mute (or unmute) notifications about a readable post or a visible group."""
    if (post is None) == (group is None):
        raise ValidationError(_("Mute a post or a group."))
    lookup = {"post": access_post(actor, post.pk)} if post else {"group": group}
    removed, _per_model = Mute.objects.filter(user=actor, **lookup).delete()
    if removed:
        return False
    Mute.objects.create(user=actor, **lookup)
    return True


@transaction.atomic
def digest_set(*, actor, frequency: str) -> DigestSubscription:
    if frequency not in DigestFrequency.values:
        raise ValidationError(_("Unknown digest frequency."))
    subscription, _created = DigestSubscription.objects.update_or_create(
        user=actor, defaults={"frequency": frequency}
    )
    return subscription


def digests_enqueue(*, frequency: str) -> int:
    """Queue one digest email per member on this frequency who has unread
    notifications since their last digest (the task backend sends them)."""
    count = 0
    for user_id in digest_recipients(frequency=frequency):
        notification_digest.enqueue(user_id, frequency)
        count += 1
    return count


MAX_READS_PER_MESSAGE = 100


def reads_report(*, actor, post_ids: Sequence[int]) -> int:
    """A batch of posts the member's browser saw in the viewport: recorded as
    participation ("read") for the ones the member may read."""
    ids = [pk for pk in post_ids if isinstance(pk, int)][:MAX_READS_PER_MESSAGE]
    readable = dict(posts_visible_to(actor).filter(pk__in=ids).values_list("pk", "group_id"))
    return reads_record(actor=actor, readable=readable)


# --- presence -----------------------------------------------------------------------

PRESENCE_TTL_SECONDS = 60


def presence_touch(*, user_id: int) -> None:
    """A socket of this member is alive. Kept in the cache (Redis when
    configured) with a 60 s expiry, so a tab that dies without closing goes
    offline within a minute; open tabs refresh it with their pings."""
    cache.set(f"presence:{user_id}", int(time.time()), timeout=PRESENCE_TTL_SECONDS)
