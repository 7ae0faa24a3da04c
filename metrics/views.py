import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .charts import insight_charts
from .forms import BaselineForm
from .report import REPORT_FORMATS, monthly_report, render_report
from .selectors import (
    Period,
    insights_for,
    leadership_board,
    may_read_insights,
    may_set_baseline,
    team_figures_for,
)
from .services import baseline_set

MONTHS_OFFERED = 12


def _recent_months(today: dt.date) -> list[Period]:
    months, first = [], today.replace(day=1)
    for _n in range(MONTHS_OFFERED):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        months.append(Period.month(first.year, first.month))
    return months


@login_required
def insights(request: HttpRequest) -> HttpResponse:
    """The dashboard: the last 30 days, or a month chosen with ?month=YYYY-MM."""
    if not may_read_insights(request.user):
        return render(request, "metrics/no_access.html", status=403)
    today = timezone.localdate()
    month = request.GET.get("month", "")
    error = ""
    period = Period.days_until(today, 30)
    if month:
        try:
            period = Period.parse_month(month)
        except ValueError:
            error = _("“%(month)s” is not a month: choose one from the list.") % {"month": month}
        else:
            if period.first > today:
                error = _("That month has not started yet.")
                period = Period.days_until(today, 30)
    data = insights_for(period, today=today)
    context = {
        "data": data,
        "charts": insight_charts(data),
        "months": _recent_months(today),
        "month": month if not error else "",
        "error": error,
        "baseline_form": BaselineForm(),
        "may_set_baseline": may_set_baseline(request.user),
    }
    return render(request, "metrics/insights.html", context, status=400 if error else 200)


@login_required
@require_POST
def baseline(request: HttpRequest) -> HttpResponse:
    if not may_set_baseline(request.user):
        raise PermissionDenied
    form = BaselineForm(request.POST)
    if form.is_valid():
        try:
            baseline_set(
                actor=request.user, day=form.cleaned_data["day"], label=form.cleaned_data["label"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Baseline saved: progress is now measured against it."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("metrics:insights")


@login_required
def leaders(request: HttpRequest) -> HttpResponse:
    """Every member sees how the MT and managers take part this month; a
    manager also sees their team together."""
    return render(
        request,
        "metrics/leaders.html",
        {"rows": leadership_board(), "team": team_figures_for(request.user)},
    )


@login_required
def report(request: HttpRequest, month: str, fmt: str) -> HttpResponse:
    """The MT report of a month, made on request: PDF, XLSX, CSV or HTML."""
    if not may_read_insights(request.user):
        return render(request, "metrics/no_access.html", status=403)
    try:
        period = Period.parse_month(month)
    except ValueError:
        raise Http404("not a month") from None
    if fmt not in REPORT_FORMATS or period.first > timezone.localdate():
        raise Http404("no such report")
    content, content_type = render_report(monthly_report(period), fmt)
    response = HttpResponse(content, content_type=content_type)
    if fmt != "html":
        response["Content-Disposition"] = f'attachment; filename="buzz-mt-report-{period}.{fmt}"'
    return response
