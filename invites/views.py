"""Thin views: the member's invitations, and joining from an invitation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from metrics.selectors import may_read_insights

from . import services
from .forms import InviteForm, LinkForm, SignupForm
from .models import Invitation
from .selectors import (
    growth_by_month,
    invitations_of,
    invite_conversion,
    invite_tree,
    inviter_leaderboard,
    inviter_of,
    inviter_stats_for,
    onboarding_for,
    suggested_colleagues_for,
    suggested_groups_for,
    tree_depth,
)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcomes = services.invitation_send(
                actor=request.user,
                emails=form.cleaned_data["emails"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error("emails", error)
        else:
            sent = [o.email for o in outcomes if o.status in ("sent", "resent")]
            waiting = [o.email for o in outcomes if o.status == "throttled"]
            if sent:
                messages.success(
                    request, _("Invitation sent to %(who)s.") % {"who": ", ".join(sent)}
                )
            if waiting:
                messages.info(
                    request,
                    _("Already invited a moment ago, not sent again: %(who)s.")
                    % {"who": ", ".join(waiting)},
                )
            return redirect("invites:mine")
    context = {
        "form": form,
        "link_form": LinkForm(),
        "invitations": invitations_of(request.user),
        "inviter": inviter_of(request.user),
        "new_link": request.session.pop("buzz_new_invite_link", None),
        "stats": inviter_stats_for(request.user),
    }
    return render(request, "invites/mine.html", context)


@login_required
@require_POST
def link_create(request: HttpRequest) -> HttpResponse:
    form = LinkForm(request.POST)
    if form.is_valid():
        try:
            _invitation, token = services.invitation_link_create(
                actor=request.user, max_uses=form.cleaned_data["max_uses"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            # Shown once, right after creation; only its hash is stored.
            request.session["buzz_new_invite_link"] = request.build_absolute_uri(
                reverse("invites:join", args=[token])
            )
    return redirect("invites:mine")


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=pk, inviter=request.user)
    services.invitation_revoke(actor=request.user, invitation=invitation)
    messages.success(request, _("Invitation revoked."))
    return redirect("invites:mine")


@never_cache
def join(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_for_token(token)
    except services.InvitationUnusable as unusable:
        return render(request, "invites/unusable.html", {"reason": unusable.reason}, status=410)
    form = SignupForm(request.POST or None, fixed_email=invitation.email)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.member_signup(
                token=token,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                password=data["password"],
                department=data["department"],
                job_title=data["job_title"],
                language=data["language"],
            )
        except services.InvitationUnusable as unusable:
            return render(request, "invites/unusable.html", {"reason": unusable.reason}, status=410)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error("password", error)
        else:
            services.signup_login(request, user)
            messages.success(request, _("Welcome to Buzz!"))
            return redirect("invites:welcome")
    inviter = invitation.inviter
    return render(
        request, "invites/join.html", {"form": form, "invitation": invitation, "inviter": inviter}
    )


@login_required
def welcome(request: HttpRequest) -> HttpResponse:
    """The guided start after joining: five steps with progress, skippable."""
    return render(
        request,
        "invites/welcome.html",
        {
            "onboarding": onboarding_for(request.user),
            "colleagues": suggested_colleagues_for(request.user),
            "groups": suggested_groups_for(request.user),
        },
    )


@login_required
@require_POST
def welcome_action(request: HttpRequest, action: str) -> HttpResponse:
    if action == "guidelines":
        services.onboarding_guidelines_read(actor=request.user)
        return redirect("invites:welcome")
    if action == "skip":
        services.onboarding_dismiss(actor=request.user)
        return redirect("home")
    raise Http404


@login_required
def growth(request: HttpRequest) -> HttpResponse:
    """The invite tree and growth numbers, for community managers and the MT."""
    if not may_read_insights(request.user):
        return render(request, "metrics/no_access.html", status=403)
    tree = invite_tree()
    return render(
        request,
        "invites/growth.html",
        {
            "tree": tree,
            "depth": tree_depth(tree),
            "months": growth_by_month(),
            "conversion": invite_conversion(),
            "leaders": inviter_leaderboard(),
        },
    )
