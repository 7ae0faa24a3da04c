from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from feed.selectors import feed_for_member

from .health import system_health
from .pagination import InvalidCursor


@login_required
def home(request: HttpRequest) -> HttpResponse:
    try:
        page = feed_for_member(request.user, cursor=request.GET.get("after"))
    except InvalidCursor:
        return render(request, "community/bad_cursor.html", status=400)
    return render(request, "feed/home.html", {"page": page})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Component status as JSON; 503 when any component is down."""
    report = system_health()
    return JsonResponse(report, status=200 if report["ok"] else 503)
