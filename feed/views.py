"""Thin views for posts, comments and reactions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.pagination import InvalidCursor
from groups.selectors import access_group, user_may_manage_group, user_may_moderate_group

from . import services
from .forms import CommentForm, PostEditForm, PostForm, ReactionForm
from .models import Comment
from .selectors import (
    access_post,
    attach_engagement,
    comments_for,
    deleted_post_for_moderator,
    feed_for_member,
    hashtag_posts_for,
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
        page = feed_for_member(request.user, cursor=request.GET.get("after"))
    except InvalidCursor:
        return render(request, "community/bad_cursor.html", status=400)
    return render(request, "feed/home.html", {"page": page, "post_form": PostForm()})


@login_required
@require_POST
def post_create(request: HttpRequest) -> HttpResponse:
    form = PostForm(request.POST)
    slug = request.POST.get("group") or ""
    group = access_group(request.user, slug) if slug else None
    fallback = (group and f"/groups/{group.slug}/") or "/"
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(fallback)
    try:
        post = services.post_create(
            actor=request.user,
            body=form.cleaned_data["body"],
            group=group,
            is_question=form.cleaned_data["is_question"],
            is_announcement=form.cleaned_data["is_announcement"],
        )
    except ValidationError as error:
        _errors(request, error)
        return redirect(fallback)
    messages.success(request, _("Posted."))
    return redirect("feed:post", pk=post.pk)


@login_required
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    post = access_post(request.user, pk)
    attach_engagement([post], request.user)
    context = {
        "post": post,
        "threads": comments_for(request.user, post),
        "comment_form": CommentForm(),
        "may_moderate": user_may_moderate_group(request.user, post.group),
        "may_accept": post.author_id == request.user.pk
        or (post.group is not None and user_may_manage_group(request.user, post.group)),
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
    return render(request, "feed/hashtag.html", {"page": page, "tag": tag})
