"""Thin views for posts, comments and reactions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.pagination import InvalidCursor
from groups.selectors import (
    access_group,
    user_may_accept_answer,
    user_may_manage_group,
    user_may_moderate_group,
)
from invites.selectors import onboarding_for

from . import services
from .cards import attach_card_html
from .forms import (
    CommentForm,
    NotificationSettingsForm,
    PostEditForm,
    PostForm,
    ReactionForm,
    ReportForm,
    ResolveForm,
)
from .models import Comment, Notification, Poll
from .selectors import (
    access_post,
    attach_engagement,
    attach_latest_comments,
    attachment_for,
    comments_for,
    deleted_comment_for_moderator,
    deleted_post_for_moderator,
    feed_for_member,
    hashtag_posts_for,
    kudos_for_home,
    mentions_of,
    moderation_log_for,
    moderation_queue_for,
    notification_text,
    notification_url,
    notifications_for,
    profile_posts_for,
    revisions_of,
    saved_posts_for,
)


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or fallback
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = fallback
    return redirect(target)


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    try:
        top = request.GET.get("order") == "top"
        page = feed_for_member(request.user, cursor=request.GET.get("after"), top=top)
    except InvalidCursor:
        return render(request, "community/bad_cursor.html", status=400)
    attach_latest_comments(page.items)
    attach_card_html(page.items, request)
    return render(
        request,
        "feed/home.html",
        {
            "page": page,
            "post_form": PostForm(),
            "kudos": kudos_for_home(request.user),
            "top": top,
            "onboarding": onboarding_for(request.user),
        },
    )


@login_required
def profile_posts(request: HttpRequest, username: str) -> HttpResponse:
    member = get_object_or_404(get_user_model(), username=username, is_active=True)
    try:
        page = profile_posts_for(request.user, member, cursor=request.GET.get("after"))
    except InvalidCursor:
        return render(request, "community/bad_cursor.html", status=400)
    attach_card_html(page.items, request)
    return render(request, "feed/profile_posts.html", {"page": page, "member": member})


@login_required
def mentions(request: HttpRequest) -> HttpResponse:
    try:
        page = mentions_of(request.user, cursor=request.GET.get("after"))
    except InvalidCursor:
        return render(request, "community/bad_cursor.html", status=400)
    attach_card_html(page.items, request)
    return render(request, "feed/mentions.html", {"page": page})


@login_required
def post_create(request: HttpRequest) -> HttpResponse:
    """The composer. On any error the compose page shows it with the text kept."""
    slug = request.POST.get("group") or request.GET.get("group") or ""
    group = access_group(request.user, slug) if slug else None
    form = PostForm(request.POST or None, request.FILES or None, initial={"group": slug})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            post = services.post_publish(
                actor=request.user,
                body=data["body"],
                group=group,
                is_question=data["is_question"],
                is_announcement=data["is_announcement"],
                uploads=data["attachments"],
                poll_options=data["poll_options"],
                poll_multiple=data["poll_multiple"],
                poll_closes_at=data["poll_closes_at"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Posted."))
            return redirect("feed:post", pk=post.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "feed/compose.html", {"form": form, "group": group}, status=status)


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error("attachments" if error.code in UPLOAD_ERROR_CODES else None, error)


UPLOAD_ERROR_CODES = {
    "too_big",
    "file_type",
    "format",
    "too_many_pixels",
    "not_an_image",
    "damaged",
}


@login_required
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    post = access_post(request.user, pk)
    attach_engagement([post], request.user)
    attach_card_html([post], request)
    context = {
        "post": post,
        "report_form": ReportForm(),
        "may_pin": post.group is not None and user_may_manage_group(request.user, post.group),
        "threads": comments_for(request.user, post),
        "comment_form": CommentForm(),
        "may_moderate": user_may_moderate_group(request.user, post.group),
        "may_accept": user_may_accept_answer(request.user, post),
    }
    return render(request, "feed/detail.html", context)


@login_required
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = access_post(request.user, pk)
    if post.author_id != request.user.pk:
        raise Http404
    form = PostEditForm(request.POST or None, initial={"body": post.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.post_update(actor=request.user, post=post, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error("body", error)
        else:
            return redirect("feed:post", pk=post.pk)
    return render(request, "feed/edit.html", {"form": form, "post": post})


@login_required
@require_POST
def post_delete(request: HttpRequest, pk: int) -> HttpResponse:
    post = access_post(request.user, pk)
    services.post_delete(actor=request.user, post=post)
    messages.success(request, _("Post deleted."))
    return redirect(f"/groups/{post.group.slug}/" if post.group else "/")


@login_required
@require_POST
def post_restore(request: HttpRequest, pk: int) -> HttpResponse:
    post = deleted_post_for_moderator(request.user, pk)
    services.post_restore(actor=request.user, post=post)
    messages.success(request, _("Post restored."))
    return redirect("feed:post", pk=post.pk)


@login_required
@require_POST
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    post = access_post(request.user, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        parent_id = form.cleaned_data["parent"]
        parent = Comment.objects.filter(pk=parent_id, post=post).first() if parent_id else None
        try:
            comment = services.comment_create(
                actor=request.user, post=post, body=form.cleaned_data["body"], parent=parent
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            return redirect(f"/posts/{post.pk}/#comment-{comment.pk}")
    else:
        messages.error(request, _("Write something first."))
    return redirect("feed:post", pk=post.pk)


def _comment_for(request: HttpRequest, pk: int) -> Comment:
    comment = Comment.objects.filter(pk=pk, deleted_at__isnull=True).first()
    if comment is None:
        raise Http404
    access_post(request.user, comment.post_id)  # the comment is as visible as its post
    return comment


@login_required
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment_for(request, pk)
    if comment.author_id != request.user.pk:
        raise Http404
    form = PostEditForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_update(
                actor=request.user, comment=comment, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            form.add_error("body", error)
        else:
            return redirect(f"/posts/{comment.post_id}/#comment-{comment.pk}")
    return render(request, "feed/edit.html", {"form": form, "comment": comment})


@login_required
@require_POST
def comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment_for(request, pk)
    services.comment_delete(actor=request.user, comment=comment)
    messages.success(request, _("Comment deleted."))
    return redirect("feed:post", pk=comment.post_id)


@login_required
@require_POST
def react(request: HttpRequest, pk: int) -> HttpResponse:
    post = access_post(request.user, pk)
    form = ReactionForm(request.POST)
    if form.is_valid():
        services.reaction_toggle(actor=request.user, kind=form.cleaned_data["kind"], post=post)
    return _back(request, f"/posts/{post.pk}/")


@login_required
@require_POST
def comment_react(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment_for(request, pk)
    form = ReactionForm(request.POST)
    if form.is_valid():
        services.reaction_toggle(
            actor=request.user, kind=form.cleaned_data["kind"], comment=comment
        )
    return redirect(f"/posts/{comment.post_id}/#comment-{comment.pk}")


@login_required
@require_POST
def accept_answer(request: HttpRequest, pk: int) -> HttpResponse:
    post = access_post(request.user, pk)
    comment_id = request.POST.get("comment")
    comment = Comment.objects.filter(pk=comment_id, post=post).first() if comment_id else None
    try:
        services.answer_accept(actor=request.user, post=post, comment=comment)
    except ValidationError as error:
        _errors(request, error)
    return redirect("feed:post", pk=post.pk)


@login_required
def hashtag(request: HttpRequest, tag: str) -> HttpResponse:
    try:
        page = hashtag_posts_for(request.user, tag, cursor=request.GET.get("after"))
    except InvalidCursor:
        return render(request, "community/bad_cursor.html", status=400)
    attach_card_html(page.items, request)
    return render(request, "feed/hashtag.html", {"page": page, "tag": tag})


@login_required
@require_POST
def pin(request: HttpRequest, pk: int) -> HttpResponse:
    post = access_post(request.user, pk)
    services.post_pin(actor=request.user, post=post, pinned=request.POST.get("pinned") == "1")
    return redirect("feed:post", pk=post.pk)


@login_required
@require_POST
def bookmark(request: HttpRequest, pk: int) -> HttpResponse:
    post = access_post(request.user, pk)
    saved = services.bookmark_toggle(actor=request.user, post=post)
    messages.success(request, _("Saved for later.") if saved else _("Removed from saved."))
    return _back(request, f"/posts/{post.pk}/")


@login_required
def saved(request: HttpRequest) -> HttpResponse:
    try:
        page = saved_posts_for(request.user, cursor=request.GET.get("after"))
    except InvalidCursor:
        return render(request, "community/bad_cursor.html", status=400)
    attach_card_html(page.items, request)
    return render(request, "feed/saved.html", {"page": page})


@login_required
@require_POST
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    post = access_post(request.user, pk)
    poll = Poll.objects.filter(post=post).first()
    if poll is None:
        raise Http404
    option_ids = [int(v) for v in request.POST.getlist("option") if v.isdigit()]
    try:
        services.poll_vote(actor=request.user, poll=poll, option_ids=option_ids)
    except ValidationError as error:
        _errors(request, error)
    return _back(request, f"/posts/{post.pk}/")


@login_required
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """Files are served only through this check, never from a public URL."""
    item = attachment_for(request.user, pk)
    response = FileResponse(
        item.file.open("rb"),
        content_type=item.content_type,
        as_attachment=not item.is_image,
        filename=item.original_name,
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_POST
def report(request: HttpRequest, pk: int) -> HttpResponse:
    post = access_post(request.user, pk)
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say briefly what is wrong."))
        return redirect("feed:post", pk=post.pk)
    comment_id = form.cleaned_data["comment"]
    comment = Comment.objects.filter(pk=comment_id, post=post).first() if comment_id else None
    try:
        services.report_create(
            actor=request.user, post=post, comment=comment, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Thank you. The moderators will take a look."))
    return redirect("feed:post", pk=post.pk)


@login_required
def moderation(request: HttpRequest) -> HttpResponse:
    """The queue of open reports and the audit log, for what the user moderates."""
    return render(
        request,
        "feed/moderation.html",
        {
            "reports": moderation_queue_for(request.user),
            "log": moderation_log_for(request.user),
            "resolve_form": ResolveForm(),
        },
    )


@login_required
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    item = moderation_queue_for(request.user).filter(pk=pk).first()
    if item is None:
        raise Http404
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.report_resolve(
                actor=request.user,
                report=item,
                hide=form.cleaned_data["decision"] == "hide",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _errors(request, error)
    return redirect("feed:moderation")


@login_required
def history(request: HttpRequest, pk: int) -> HttpResponse:
    """Earlier versions of an edited post and its comments, for moderators only."""
    post = access_post(request.user, pk)
    if not user_may_moderate_group(request.user, post.group):
        raise Http404
    return render(request, "feed/history.html", {"post": post, "revisions": revisions_of(post)})


@login_required
@require_POST
def comment_restore(request: HttpRequest, pk: int) -> HttpResponse:
    comment = deleted_comment_for_moderator(request.user, pk)
    services.comment_restore(actor=request.user, comment=comment)
    messages.success(request, _("Comment restored."))
    return redirect(f"/posts/{comment.post_id}/#comment-{comment.pk}")


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    try:
        page = notifications_for(request.user, cursor=request.GET.get("after"))
    except InvalidCursor:
        return render(request, "community/bad_cursor.html", status=400)
    for item in page.items:
        item.sentence, item.url = notification_text(item), notification_url(item)
    return render(request, "feed/notifications.html", {"page": page})


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a notification: mark it read and go where it points."""
    notification = Notification.objects.filter(pk=pk, recipient=request.user).first()
    if notification is None:
        raise Http404
    services.notifications_mark_read(actor=request.user, notification_ids=[notification.pk])
    return redirect(notification_url(notification))


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_read(actor=request.user)
    messages.success(request, _("All notifications marked as read."))
    return redirect("feed:notifications")


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    form = NotificationSettingsForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        choices = dict(form.cleaned_data)
        services.digest_set(actor=request.user, frequency=choices.pop("digest"))
        services.notification_preferences_set(actor=request.user, choices=choices)
        messages.success(request, _("Notification settings saved."))
        return redirect("feed:notification_settings")
    return render(request, "feed/notification_settings.html", {"form": form})


@login_required
@require_POST
def mute(request: HttpRequest) -> HttpResponse:
    post_id, slug = request.POST.get("post"), request.POST.get("group")
    if post_id and post_id.isdigit():
        muted = services.mute_toggle(
            actor=request.user, post=access_post(request.user, int(post_id))
        )
    elif slug:
        muted = services.mute_toggle(actor=request.user, group=access_group(request.user, slug))
    else:
        raise Http404
    messages.success(
        request,
        _("Muted: no more notifications about this.") if muted else _("Notifications are back on."),
    )
    return _back(request, "/")
