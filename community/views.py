from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import system_health


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Component status as JSON; 503 when any component is down."""
    report = system_health()
    return JsonResponse(report, status=200 if report["ok"] else 503)
