"""Recount contributions from the events, then points and badges, idempotently."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from metrics.days import parse_day
from metrics.gamification.services import first_event_day, points_refresh


def _date(value: str) -> dt.date:
    try:
        return parse_day(value)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc


class Command(BaseCommand):
    help = (
        "Recount the daily contributions from --since (inclusive, or the first event with "
        "--since first) to --until (default: today), then the points and badges of the "
        "members concerned."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", required=True, help="first day, YYYY-MM-DD, or 'first'")
        parser.add_argument("--until", help="last day, YYYY-MM-DD (default: today)")

    def handle(self, *args, since: str, until: str | None, **options) -> None:
        last = _date(until) if until else timezone.localdate()
        if since == "first":
            first = first_event_day()
            if first is None:
                self.stdout.write("No events yet: nothing to count.")
                return
        else:
            first = _date(since)
        if last < first:
            raise CommandError("--until is before --since.")
        days = (last - first).days + 1
        with tqdm(
            total=days,
            desc="contributions",
            unit="day",
            disable=options.get("verbosity", 1) == 0,
            file=self.stderr._out,
        ) as bar:
            done = points_refresh(first=first, last=last, on_chunk=bar.update)
        self.stdout.write(
            f"Counted {done.days} days: {len(done.members)} members recomputed, "
            f"{done.awards} badges awarded."
        )
