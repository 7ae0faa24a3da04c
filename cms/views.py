"""Hub pages outside Wagtail's tree: sharing, the short links and "my impact"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from community.security import client_ip, kiosk_frame_policy

from . import selectors, services
from .forms import SubmissionForm


class NetworkRedirect(HttpResponseRedirect):
    """The networks' share dialogs, and mailto: for email."""

    allowed_schemes = ["https", "mailto"]


def _client_address(request: HttpRequest) -> str:
    # X-Real-IP only when BUZZ_TRUST_X_REAL_IP says a proxy sets it (else anyone
    # could vary it to count clicks again). Only ever hashed (services.visitor_hash).
    return client_ip(request)


@login_required
@require_POST
def share(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(selectors.shareable_items(), pk=pk)
    try:
        link = services.share_create(
            actor=request.user,
            item=item,
            network=request.POST.get("network", ""),
            text=request.POST.get("text", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(item.url)
    short = services.short_url(link, base=request.build_absolute_uri("/"))
    return NetworkRedirect(services.network_share_url(link, short=short))


@never_cache
@require_GET
def short_link(request: HttpRequest, code: str) -> HttpResponse:
    """Public: outside visitors follow members' links. Only ever redirects to
    the item's own canonical URL; an unknown or altered code is a 404."""
    link = selectors.share_link_by_code(code)
    if link is None:
        raise Http404("No such link.")
    services.share_click_record(
        link,
        address=_client_address(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    response = HttpResponseRedirect(services.destination_url(link))
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@require_GET
def impact(request: HttpRequest) -> HttpResponse:
    summary, items = selectors.member_impact(request.user, selectors.hub_settings(request))
    subscribed = selectors.hub_digest_subscribed(request.user)
    return render(
        request,
        "cms/impact.html",
        {"summary": summary, "items": items, "subscribed": subscribed},
    )


@login_required
@require_POST
def digest(request: HttpRequest) -> HttpResponse:
    """Subscribe to or stop the weekly hub email."""
    if request.POST.get("subscribe") == "1":
        services.hub_digest_subscribe(member=request.user)
        messages.success(request, _("You will get the hub's weekly email."))
    else:
        services.hub_digest_unsubscribe(member=request.user)
        messages.success(request, _("No more weekly hub emails."))
    return redirect("cms:impact")


@login_required
def submit(request: HttpRequest) -> HttpResponse:
    """Creators send a story, photo or video link; it reaches the editors in
    Wagtail as a draft under review, with the creator credited."""
    if not services.user_may_submit(request.user):
        return render(request, "cms/submit.html", {"not_allowed": True}, status=403)
    form = SubmissionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.submission_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Thank you! The social editors will review your story."))
            return redirect("cms:submit")
    status = 400 if form.errors else 200
    return render(request, "cms/submit.html", {"form": form}, status=status)


@never_cache
@require_GET
@kiosk_frame_policy
def wall(request: HttpRequest, token: str) -> HttpResponse:
    """The hub wall for a screen in a public space: no login, the kiosk token in
    the URL instead; a wrong token looks like no page at all."""
    if not selectors.kiosk_token_valid(token):
        raise Http404("No such page.")
    template = "cms/_wall_panels.html" if request.GET.get("panels") else "cms/wall.html"
    content = selectors.wall_content(selectors.hub_settings(request))
    return render(request, template, {"wall": content, "token": token})
