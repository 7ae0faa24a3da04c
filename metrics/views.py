from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .selectors import community_totals, leadership_board, may_read_insights, team_figures_for


@login_required
def insights(request: HttpRequest) -> HttpResponse:
    if not may_read_insights(request.user):
        return render(request, "metrics/no_access.html", status=403)
    return render(request, "metrics/insights.html", {"totals": community_totals()})


@login_required
def leaders(request: HttpRequest) -> HttpResponse:
    """Every member sees how the MT and managers take part this month; a
    manager also sees their team together."""
    return render(
        request,
        "metrics/leaders.html",
        {"rows": leadership_board(), "team": team_figures_for(request.user)},
    )
