"""Produce the monthly MT report: files (HTML, PDF, CSV, XLSX) and/or e-mail."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from metrics.report import REPORT_FORMATS, monthly_report, render_report
from metrics.selectors import Period
from metrics.services import mt_report_deliver, mt_report_recipients


def _previous_month(today: dt.date) -> str:
    return (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")


class Command(BaseCommand):
    help = (
        "Write the MT report of --month (default: last month) as HTML, PDF, CSV and XLSX "
        "into --output, and/or e-mail it to the MT list with --email."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="YYYY-MM (default: the previous month)")
        parser.add_argument(
            "--output", help="directory for the files (default: var/reports; '-' for none)"
        )
        parser.add_argument(
            "--format",
            action="append",
            choices=sorted(REPORT_FORMATS),
            help="only these formats (repeatable; default: all)",
        )
        parser.add_argument("--email", action="store_true", help="e-mail it to the MT list")
        parser.add_argument(
            "--once",
            action="store_true",
            help="with --email: skip a month already delivered (for schedulers)",
        )

    def handle(self, *args, **options) -> None:
        today = timezone.localdate()
        month = options["month"] or _previous_month(today)
        try:
            period = Period.parse_month(month)
        except ValueError as exc:
            raise CommandError(f"--month {month!r} is not a month like 2026-10.") from exc
        if period.first > today:
            raise CommandError(f"{month} has not started yet.")
        output = options["output"] or str(Path(settings.VAR_DIR) / "reports")
        formats = options["format"] or list(REPORT_FORMATS)
        quiet = options.get("verbosity", 1) == 0
        if output != "-":
            directory = Path(output)
            directory.mkdir(parents=True, exist_ok=True)
            report = monthly_report(period)
            for fmt in tqdm(
                formats, desc="report", unit="file", disable=quiet, file=self.stderr._out
            ):
                content, _type = render_report(report, fmt)
                path = directory / f"buzz-mt-report-{period}.{fmt}"
                if isinstance(content, str):
                    path.write_text(content, encoding="utf-8")
                else:
                    path.write_bytes(content)
                self.stdout.write(f"Wrote {path}")
        if options["email"]:
            if not mt_report_recipients():
                problem = "Nobody to send it to: set BUZZ_MT_REPORT_TO or mark MT members."
                if options["once"]:  # a scheduler: say so, don't fail every hour
                    self.stderr.write(problem)
                    return
                raise CommandError(problem)
            sent = mt_report_deliver(str(period), once=options["once"])
            if sent:
                self.stdout.write(f"E-mailed the {period} report to {sent} recipients.")
            else:
                self.stdout.write(f"The {period} report was already delivered: not sent again.")
