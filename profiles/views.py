"""Thin views: parse the request, call a service or selector, render.

Every action is a plain form POST that redirects back (it works without
JavaScript); the templates add htmx attributes that swap just the changed
section of the page from the page the redirect leads to.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from community.pagination import InvalidCursor, keyset_paginate
from feed.selectors import online_user_ids

from . import selectors, services
from .forms import AccessTokenForm, KudosForm, ProfileForm, TagForm
from .models import User


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _back(request: HttpRequest, username: str, anchor: str = "") -> HttpResponse:
    """Back to where the form was (a safe `next`), else to the profile."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("profiles:detail", args=[username]) + anchor
    return redirect(target)


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    filters = {
        "query": request.GET.get("q", "").strip()[:100],
        "department": request.GET.get("department", "").strip()[:120],
        "location": request.GET.get("location", "").strip()[:120],
        "expertise": request.GET.get("expertise", "").strip()[:100],
    }
    try:
        page = keyset_paginate(
            selectors.people_directory(**filters),
            ordering=["display_name", "pk"],
            cursor=request.GET.get("after"),
        )
    except InvalidCursor:
        return render(request, "community/bad_cursor.html", status=400)
    online = online_user_ids(person.user_id for person in page.items)
    for person in page.items:
        person.is_online = person.user_id in online
    return render(
        request,
        "profiles/directory.html",
        {
            "page": page,
            "departments": list(selectors.departments_list()),
            "suggestions": list(selectors.follow_suggestions_for(request.user)),
            "filtered": any(filters.values()),
            # Not "department": the template loops over departments with that name.
            "department_slug": filters.pop("department"),
            **filters,
        },
    )


@login_required
def detail(request: HttpRequest, username: str, *, kudos_form: KudosForm | None = None):
    page = selectors.profile_page_for(request.user, username=username)
    return render(
        request,
        "profiles/detail.html",
        {"p": page, "profile": page.profile, "kudos_form": kudos_form or KudosForm()},
        status=400 if kudos_form is not None else 200,
    )


def _follow_list(request: HttpRequest, username: str, *, followers: bool) -> HttpResponse:
    profile = selectors.profile_active_by_username(username)
    rows = (
        selectors.followers_of(profile.user) if followers else selectors.following_of(profile.user)
    )
    try:
        page = keyset_paginate(
            rows, ordering=["-created_at", "-pk"], cursor=request.GET.get("after")
        )
    except InvalidCursor:
        return render(request, "community/bad_cursor.html", status=400)
    people = [f.follower.profile if followers else f.followed.profile for f in page.items]
    return render(
        request,
        "profiles/follow_list.html",
        {"profile": profile, "page": page, "people": people, "followers": followers},
    )


@login_required
def followers(request: HttpRequest, username: str) -> HttpResponse:
    return _follow_list(request, username, followers=True)


@login_required
def following(request: HttpRequest, username: str) -> HttpResponse:
    return _follow_list(request, username, followers=False)


@login_required
def edit(request: HttpRequest) -> HttpResponse:
    profile = services.profile_get_or_create(actor=request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, instance=profile)
        if form.is_valid():
            try:
                services.profile_update(
                    actor=request.user,
                    profile=profile,
                    changes=form.profile_changes(),
                    expertise=form.expertise_names(),
                    photo=form.cleaned_data.get("photo"),
                    remove_photo=form.cleaned_data.get("remove_photo", False),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("profiles:detail", request.user.get_username())
        status = 400
    else:
        form = ProfileForm(instance=profile)
        status = 200
    return render(request, "profiles/edit.html", {"form": form, "profile": profile}, status=status)


@login_required
@never_cache
@require_GET
def export(request: HttpRequest) -> JsonResponse:
    data = selectors.member_data_export_for(request.user)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    filename = f"buzz-{request.user.get_username()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def deletion(request: HttpRequest) -> HttpResponse:
    pending = selectors.deletion_request_pending_for(request.user)
    if request.method == "POST":
        if request.POST.get("action") == "cancel" and pending is not None:
            services.deletion_request_cancel(actor=request.user, request=pending)
            messages.success(request, _("Your deletion request is withdrawn."))
        else:
            services.deletion_request_create(actor=request.user)
            messages.success(
                request,
                _(
                    "Your request is sent. An administrator will confirm it; "
                    "until then nothing is deleted."
                ),
            )
        return redirect("profiles:deletion")
    return render(request, "profiles/deletion.html", {"pending": pending})


@login_required
@never_cache
def tokens(request: HttpRequest) -> HttpResponse:
    """The member's API tokens, and a form that makes one. A new token's secret is
    rendered in the response to the POST itself (never stored, never put in the
    session): it is shown exactly once."""
    secret, created, status = None, None, 200
    if request.method == "POST":
        form = AccessTokenForm(request.POST)
        if form.is_valid():
            try:
                created, secret = services.token_create(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"],
                    expires_at=form.expires_at(),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
        if secret is None:
            status = 400
        else:
            form = AccessTokenForm()
    else:
        form = AccessTokenForm()
    try:
        page = keyset_paginate(
            selectors.access_tokens_of(request.user),
            ordering=["-created_at", "-pk"],
            cursor=request.GET.get("after"),
        )
    except InvalidCursor:
        return render(request, "community/bad_cursor.html", status=400)
    return render(
        request,
        "profiles/tokens.html",
        {"form": form, "page": page, "secret": secret, "created": created},
        status=status,
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = services.token_revoke(actor=request.user, token_id=token_id)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("profiles:tokens")


def _member(username: str) -> User:
    return get_object_or_404(User, username=username)


@login_required
@require_POST
def endorse(request: HttpRequest, username: str) -> HttpResponse:
    member, form = _member(username), TagForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose an area of expertise to endorse."))
        tag_name = form.cleaned_data["tag"]
        if request.POST.get("action") == "withdraw":
            services.endorsement_delete(actor=request.user, endorsed=member, tag_name=tag_name)
        else:
            services.endorsement_create(actor=request.user, endorsed=member, tag_name=tag_name)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        if _is_htmx(request):
            return HttpResponse(_errors(exc), status=400)
    return _back(request, username, "#expertise")


@login_required
@require_POST
def follow(request: HttpRequest, username: str) -> HttpResponse:
    member = _member(username)
    try:
        if request.POST.get("action") == "unfollow":
            services.follow_delete(actor=request.user, followed=member)
        else:
            services.follow_create(actor=request.user, followed=member)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        if _is_htmx(request):
            return HttpResponse(_errors(exc), status=400)
    return _back(request, username, "#follow")


@login_required
@require_POST
def kudos(request: HttpRequest, username: str) -> HttpResponse:
    member = _member(username)
    form = KudosForm(request.POST)
    if form.is_valid():
        try:
            services.kudos_create(
                actor=request.user,
                receiver=member,
                category=form.cleaned_data["category"],
                message=form.cleaned_data["message"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
    if form.errors:
        return detail(request, username, kudos_form=form)
    if not _is_htmx(request):
        messages.success(request, _("Kudos sent. Thank you for saying thanks!"))
    return _back(request, username, "#kudos")


@login_required
@require_GET
def tag_autocomplete(request: HttpRequest) -> JsonResponse:
    query = request.GET.get("q", "")[:100]
    return JsonResponse({"results": selectors.tag_autocomplete_list(query)})
