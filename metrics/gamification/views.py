"""Thin views: the leaderboard, challenges, opting in and out. Every member
sees them; only community managers create and edit challenges."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from profiles.selectors import departments_list

from . import selectors, services
from .forms import ChallengeForm


@login_required
@require_GET
def leaderboard(request: HttpRequest) -> HttpResponse:
    period = request.GET.get("period", "week")
    if period not in selectors.PERIODS:
        period = "week"
    departments = list(departments_list())
    wanted = request.GET.get("department", "")
    department = next((d for d in departments if d.slug == wanted), None)
    board = selectors.leaderboard_for(request.user, period=period, department=department)
    return render(
        request,
        "metrics/gamification/leaderboard.html",
        {
            "board": board,
            "departments": departments,
            "periods": [
                ("week", _("This week")),
                ("month", _("This month")),
                ("all", _("All time")),
            ],
        },
    )


@login_required
@require_POST
def ranking_visibility(request: HttpRequest) -> HttpResponse:
    hidden = request.POST.get("hidden") == "1"
    services.ranking_preference_set(actor=request.user, hidden=hidden)
    if hidden:
        messages.success(
            request, _("You are hidden from public rankings; you still see your own figures.")
        )
    else:
        messages.success(request, _("You are shown on public rankings again."))
    period = request.POST.get("period", "")
    target = reverse("metrics:leaderboard")
    return redirect(f"{target}?period={period}" if period in selectors.PERIODS else target)


@login_required
@require_GET
def challenges(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "metrics/gamification/challenges.html",
        {
            "lists": selectors.challenges_for(request.user),
            "may_manage": selectors.may_manage_challenges(request.user),
        },
    )


def _challenge_form(request: HttpRequest, challenge=None) -> HttpResponse:
    if not selectors.may_manage_challenges(request.user):
        raise PermissionDenied(_("Only community managers create and edit challenges."))
    started = challenge is not None and selectors.challenge_state(challenge) != selectors.UPCOMING
    form = ChallengeForm(request.POST or None, instance=challenge, started=started)
    if request.method == "POST" and form.is_valid():
        try:
            if challenge is None:
                challenge = services.challenge_create(actor=request.user, **form.cleaned_data)
                messages.success(request, _("The challenge is published."))
            else:
                challenge = services.challenge_update(
                    actor=request.user, challenge=challenge, **form.cleaned_data
                )
                messages.success(request, _("The challenge is saved."))
        except ValidationError as error:
            for name, errors in getattr(error, "message_dict", {None: error.messages}).items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            return redirect("metrics:challenge_detail", pk=challenge.pk)
    return render(
        request,
        "metrics/gamification/challenge_form.html",
        {"form": form, "challenge": challenge},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def challenge_new(request: HttpRequest) -> HttpResponse:
    return _challenge_form(request)


@login_required
def challenge_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _challenge_form(request, selectors.access_challenge(pk))


@login_required
@require_GET
def challenge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.access_challenge(pk)
    return render(
        request,
        "metrics/gamification/challenge_detail.html",
        {
            "challenge": challenge,
            "ranking": selectors.challenge_ranking_for(request.user, challenge),
            "may_manage": selectors.may_manage_challenges(request.user),
        },
    )


@login_required
@require_GET
def challenge_ranking(request: HttpRequest, pk: int) -> HttpResponse:
    """The live ranking fragment the detail page polls every 30 seconds."""
    challenge = selectors.access_challenge(pk)
    return render(
        request,
        "metrics/gamification/_challenge_ranking.html",
        {"ranking": selectors.challenge_ranking_for(request.user, challenge)},
    )


def _entry(request: HttpRequest, pk: int, *, join: bool) -> HttpResponse:
    challenge = selectors.access_challenge(pk)
    try:
        if join:
            services.challenge_join(actor=request.user, challenge=challenge)
            messages.success(request, _("You take part in this challenge."))
        else:
            services.challenge_leave(actor=request.user, challenge=challenge)
            messages.success(request, _("You no longer take part in this challenge."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("metrics:challenge_detail", pk=challenge.pk)


@login_required
@require_POST
def challenge_join(request: HttpRequest, pk: int) -> HttpResponse:
    return _entry(request, pk, join=True)


@login_required
@require_POST
def challenge_leave(request: HttpRequest, pk: int) -> HttpResponse:
    return _entry(request, pk, join=False)
