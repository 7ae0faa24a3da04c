from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .forms import LoginForm
from .health import system_health


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Component status as JSON; 503 when any component is down."""
    report = system_health()
    return JsonResponse(report, status=200 if report["ok"] else 503)


class LoginView(auth_views.LoginView):
    """/accounts/login/ with the failed-login lockout: 429 and Retry-After."""

    form_class = LoginForm

    def form_invalid(self, form: LoginForm) -> HttpResponse:
        response = super().form_invalid(form)
        if form.lockout is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.lockout.retry_after)
        return response
