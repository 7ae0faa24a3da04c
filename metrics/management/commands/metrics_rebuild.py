"""Recompute the daily rollups from the participation events, idempotently."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from metrics.days import parse_day
from metrics.services import rollup_days

CHUNK_DAYS = 7


def _date(value: str) -> dt.date:
    try:
        return parse_day(value)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc


class Command(BaseCommand):
    help = "Rebuild the daily rollups from --since (inclusive) to --until (default: today)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--until", help="last day, YYYY-MM-DD (default: today)")

    def handle(self, *args, since: str, until: str | None, **options) -> None:
        first = _date(since)
        last = _date(until) if until else timezone.localdate()
        if last < first:
            raise CommandError("--until is before --since.")
        days = (last - first).days + 1
        written = 0
        with tqdm(
            total=days,
            desc="rollups",
            unit="day",
            disable=options.get("verbosity", 1) == 0,
            file=self.stderr._out,
        ) as bar:
            chunk_start = first
            while chunk_start <= last:
                chunk_end = min(chunk_start + dt.timedelta(days=CHUNK_DAYS - 1), last)
                written += rollup_days(chunk_start, chunk_end)
                bar.update((chunk_end - chunk_start).days + 1)
                chunk_start = chunk_end + dt.timedelta(days=1)
        self.stdout.write(f"Rolled up {days} days: {written} rows.")
