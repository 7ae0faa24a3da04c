from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .selectors import community_totals, may_read_insights


@login_required
def insights(request: HttpRequest) -> HttpResponse:
    if not may_read_insights(request.user):
        return render(request, "metrics/no_access.html", status=403)
    return render(request, "metrics/insights.html", {"totals": community_totals()})
