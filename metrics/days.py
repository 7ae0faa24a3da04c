"""Days in the site's time zone: what rollups, insights and points count by."""

import datetime as dt

from django.utils import timezone


def day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[first 00:00, the day after last 00:00) in the site's time zone."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def parse_day(value: str) -> dt.date:
    """A command-line date (YYYY-MM-DD); ValueError with a readable message."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date like 2026-10-01.") from None
