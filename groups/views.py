"""Thin views: parse, call a selector or service, render or redirect."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.pagination import InvalidCursor, keyset_paginate
from feed.cards import attach_card_html
from feed.forms import PostForm
from feed.selectors import group_posts_for, online_members_of, pinned_posts_for

from . import services
from .forms import GroupFilterForm, GroupForm, InviteForm
from .models import GroupInvitation, JoinRequest, Membership, RequestState
from .selectors import (
    access_group,
    group_directory_for,
    join_request_pending,
    join_requests_for,
    members_of,
    membership_of,
    pending_invitation_for,
    user_may_manage_group,
    user_may_post_in,
    user_may_read_group,
)


def _validation_message(error: ValidationError) -> str:
    return " ".join(error.messages)


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    filters = GroupFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    query = data.get("q", "")
    try:
        page = keyset_paginate(
            group_directory_for(
                request.user,
                query=query,
                visibility=data.get("visibility") or None,
                mine=bool(data.get("mine")),
            ),
            ordering=["name", "pk"],
            cursor=request.GET.get("after"),
        )
    except InvalidCursor:
        return render(request, "community/bad_cursor.html", status=400)
    return render(
        request,
        "groups/directory.html",
        {"page": page, "query": query, "filters": filters, "query_string": _query_string(request)},
    )


def _query_string(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("after", None)
    return params.urlencode()


@login_required
def create(request: HttpRequest) -> HttpResponse:
    form = GroupForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                visibility=form.cleaned_data["visibility"],
                tags=form.cleaned_data["tags"],
                cover=form.cleaned_data["cover_image"],
            )
        except ValidationError as error:
            form.add_error("cover_image" if not hasattr(error, "error_dict") else None, error)
        else:
            messages.success(request, _("Your group is ready. Invite colleagues to join."))
            return redirect("groups:detail", slug=group.slug)
    return render(request, "groups/form.html", {"form": form, "creating": True})


@login_required
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_group(request.user, slug)
    readable = user_may_read_group(request.user, group)
    page, pinned = None, []
    if readable:
        pinned = pinned_posts_for(request.user, group) if not request.GET.get("after") else []
        try:
            page = group_posts_for(request.user, group, cursor=request.GET.get("after"))
        except InvalidCursor:
            return render(request, "community/bad_cursor.html", status=400)
        # Pinned and stream cards in one cache round trip.
        attach_card_html([*pinned, *page.items], request)
    membership = membership_of(request.user, group)
    context = {
        "group": group,
        "membership": membership,
        "readable": readable,
        "page": page,
        "pinned": pinned,
        "may_manage": user_may_manage_group(request.user, group),
        "may_post": user_may_post_in(request.user, group),
        "pending_request": membership is None and join_request_pending(request.user, group),
        "invitation": pending_invitation_for(request.user, group) if membership is None else None,
        "post_form": PostForm(initial={"group": group.slug}),
        "member_count": Membership.objects.filter(group=group).count(),
        "online_members": online_members_of(group) if readable else [],
    }
    return render(request, "groups/detail.html", context)


@login_required
@require_POST
def join(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_group(request.user, slug)
    try:
        outcome = services.group_join(
            actor=request.user, group=group, message=request.POST.get("message", "")
        )
    except ValidationError as error:
        messages.error(request, _validation_message(error))
    else:
        if isinstance(outcome, JoinRequest):
            messages.success(request, _("Request sent. The group's admins will decide."))
        else:
            messages.success(request, _("Welcome to %(group)s!") % {"group": group.name})
    return redirect("groups:detail", slug=group.slug)


@login_required
@require_POST
def leave(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_group(request.user, slug)
    try:
        services.membership_leave(actor=request.user, group=group)
    except ValidationError as error:
        messages.error(request, _validation_message(error))
        return redirect("groups:detail", slug=group.slug)
    messages.success(request, _("You left %(group)s.") % {"group": group.name})
    # A secret group is gone from view once left.
    return redirect("groups:directory")


@login_required
def members(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_group(request.user, slug)
    if not user_may_read_group(request.user, group):
        return render(request, "groups/members_only.html", {"group": group}, status=403)
    may_manage = user_may_manage_group(request.user, group)
    context = {
        "group": group,
        "memberships": members_of(group),
        "may_manage": may_manage,
        "requests": join_requests_for(group) if may_manage else [],
        "invite_form": InviteForm(),
        "my_membership": membership_of(request.user, group),
    }
    return render(request, "groups/members.html", context)


def _managed_request(request: HttpRequest, slug: str, pk: int) -> JoinRequest:
    group = access_group(request.user, slug)
    return get_object_or_404(JoinRequest, pk=pk, group=group)


@login_required
@require_POST
def request_decide(request: HttpRequest, slug: str, pk: int, decision: str) -> HttpResponse:
    if decision not in ("approve", "decline"):
        raise Http404
    join_request = _managed_request(request, slug, pk)
    service = (
        services.join_request_approve if decision == "approve" else services.join_request_decline
    )
    try:
        service(actor=request.user, request=join_request)
    except ValidationError as error:
        messages.error(request, _validation_message(error))
    return redirect("groups:members", slug=slug)


@login_required
@require_POST
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_group(request.user, slug)
    form = InviteForm(request.POST)
    if form.is_valid():
        invitee = (
            get_user_model()
            .objects.filter(username__iexact=form.cleaned_data["username"], is_active=True)
            .first()
        )
        if invitee is None:
            messages.error(request, _("No active colleague has that username."))
        else:
            try:
                services.group_invite(actor=request.user, group=group, invitee=invitee)
            except ValidationError as error:
                messages.error(request, _validation_message(error))
            else:
                messages.success(request, _("Invitation sent to %(name)s.") % {"name": invitee})
    return redirect("groups:members", slug=slug)


@login_required
@require_POST
def invitation_decide(request: HttpRequest, slug: str, decision: str) -> HttpResponse:
    if decision not in ("accept", "decline"):
        raise Http404
    group = access_group(request.user, slug)
    invitation = get_object_or_404(
        GroupInvitation, group=group, invitee=request.user, state=RequestState.PENDING
    )
    if decision == "accept":
        services.invitation_accept(actor=request.user, invitation=invitation)
        messages.success(request, _("Welcome to %(group)s!") % {"group": group.name})
        return redirect("groups:detail", slug=slug)
    services.invitation_decline(actor=request.user, invitation=invitation)
    return redirect("groups:directory")


@login_required
@require_POST
def member_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    group = access_group(request.user, slug)
    membership = get_object_or_404(Membership, pk=pk, group=group)
    try:
        if request.POST.get("action") == "remove":
            services.membership_remove(actor=request.user, membership=membership)
        else:
            services.membership_set_role(
                actor=request.user, membership=membership, role=request.POST.get("role", "")
            )
    except ValidationError as error:
        messages.error(request, _validation_message(error))
    return redirect("groups:members", slug=slug)


@login_required
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_group(request.user, slug)
    if not user_may_manage_group(request.user, group):
        return render(request, "403.html", status=403)
    initial = {"tags": ", ".join(group.tags.names())}
    form = GroupForm(request.POST or None, request.FILES or None, instance=group, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.group_update(
                actor=request.user,
                group=group,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                visibility=form.cleaned_data["visibility"],
                tags=form.cleaned_data["tags"],
                cover=form.cleaned_data["cover_image"],
            )
        except ValidationError as error:
            form.add_error("cover_image" if not hasattr(error, "error_dict") else None, error)
        else:
            messages.success(request, _("Group saved."))
            return redirect("groups:detail", slug=group.slug)
    return render(request, "groups/form.html", {"form": form, "group": group})


@login_required
@require_POST
def archive(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_group(request.user, slug)
    archived = request.POST.get("archived", "1") == "1"
    services.group_archive(actor=request.user, group=group, archived=archived)
    messages.success(request, _("Group archived.") if archived else _("Group restored."))
    return redirect("groups:detail", slug=slug)


@login_required
def cover(request: HttpRequest, slug: str) -> FileResponse:
    """A group's cover is as visible as the group's existence."""
    group = access_group(request.user, slug)
    if not group.cover:
        raise Http404
    response = FileResponse(group.cover.open("rb"), content_type="image/webp")
    response["Cache-Control"] = "private, max-age=3600"
    return response
