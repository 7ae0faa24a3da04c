"""The editors' dashboard inside the Wagtail admin: what sharing achieved."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors
from .models import ShareLink


def hub_impact(request: HttpRequest) -> HttpResponse:
    if not selectors.user_may_see_hub_figures(request.user):
        raise PermissionDenied
    settings = selectors.hub_settings(request)
    return render(
        request,
        "cms/admin/hub_impact.html",
        {
            "summary": selectors.share_summary(ShareLink.objects.all(), settings),
            "campaigns": selectors.campaigns_with_summaries(settings),
            "items": selectors.items_with_totals(),
        },
    )
