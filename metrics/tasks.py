"""Background work of metrics, run by the task backend."""

import datetime as dt

from django.tasks import task
from django.utils import timezone

from .services import mt_report_deliver, rollup_days


@task
def metrics_rollup_recent(days: int = 2) -> int:
    """Roll up yesterday and today (run hourly or nightly): late events of
    yesterday are included, and re-running is harmless."""
    today = timezone.localdate()
    return rollup_days(today - dt.timedelta(days=days - 1), today)


@task
def mt_report_monthly() -> int:
    """E-mail last month's MT report once (safe to schedule hourly from the 1st)."""
    today = timezone.localdate()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    return mt_report_deliver(last_month, once=True)
