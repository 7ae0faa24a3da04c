"""Background work of metrics, run by the task backend."""

import datetime as dt

from django.tasks import task
from django.utils import timezone

from .services import rollup_days


@task
def metrics_rollup_recent(days: int = 2) -> int:
    """Roll up yesterday and today (run hourly or nightly): late events of
    yesterday are included, and re-running is harmless."""
    today = timezone.localdate()
    return rollup_days(today - dt.timedelta(days=days - 1), today)
