"""The monthly MT report: the month's insights compared with the month before
and the baseline, with highlights, rendered as HTML (charts inline as SVG),
PDF (WeasyPrint), XLSX (openpyxl) and CSV. The figures come from
metrics.selectors.insights_for, the same as the dashboard's."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from feed.models import Comment
from groups.selectors import posts_on_public_display
from profiles.models import Endorsement

from .selectors import Insights, Period, insights_for

HIGHLIGHTS = 5


@dataclass(frozen=True)
class DiscussedPost:
    post_id: int
    excerpt: str
    group: str
    author: str
    comments: int


@dataclass(frozen=True)
class NewExpert:
    name: str
    tag: str
    endorsements: int


@dataclass(frozen=True)
class MonthlyReport:
    insights: Insights
    discussed: list[DiscussedPost]
    experts: list[NewExpert]
    generated_at: dt.datetime

    @property
    def period(self) -> Period:
        return self.insights.period

    @property
    def best_campaign(self):
        return self.insights.hub.campaigns[0] if self.insights.hub.campaigns else None


def _excerpt(text: str, length: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def most_discussed(period: Period, *, limit: int = HIGHLIGHTS) -> list[DiscussedPost]:
    """Posts in open groups with the most comments written in the month: only
    what anyone may read may be quoted to the MT."""
    start, end = period.bounds()
    rows = list(
        Comment.objects.filter(
            created_at__gte=start,
            created_at__lt=end,
            deleted_at__isnull=True,
            post__in=posts_on_public_display(),
        )
        .values("post_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "post_id")[:limit]
    )
    posts = (
        posts_on_public_display()
        .select_related("group", "author__profile")
        .in_bulk([row["post_id"] for row in rows])
    )
    return [
        DiscussedPost(
            post_id=row["post_id"],
            excerpt=_excerpt(posts[row["post_id"]].body),
            group=posts[row["post_id"]].group.name,
            author=posts[row["post_id"]].author.profile.display_name,
            comments=row["n"],
        )
        for row in rows
        if row["post_id"] in posts
    ]


def new_experts(period: Period, *, limit: int = HIGHLIGHTS) -> list[NewExpert]:
    """Members whose colleagues endorsed a skill most often in the month."""
    start, end = period.bounds()
    rows = (
        Endorsement.objects.filter(
            created_at__gte=start,
            created_at__lt=end,
            endorsed__is_active=True,
            endorser__is_active=True,
        )
        .values("endorsed__profile__display_name", "tag__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "endorsed__profile__display_name", "tag__name")[:limit]
    )
    return [
        NewExpert(row["endorsed__profile__display_name"], row["tag__name"], row["n"])
        for row in rows
    ]


def monthly_report(period: Period, *, today: dt.date | None = None) -> MonthlyReport:
    return MonthlyReport(
        insights=insights_for(period, today=today),
        discussed=most_discussed(period),
        experts=new_experts(period),
        generated_at=timezone.now(),
    )


# --- tables: one definition for the HTML, XLSX and CSV versions --------------------------


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list]
    sheet: str = ""  # a worksheet name: at most 31 characters

    @property
    def sheet_name(self) -> str:
        return (self.sheet or self.title)[:31]


def _ratio(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def report_tables(report: MonthlyReport) -> list[Table]:
    data = report.insights
    part = data.participation
    funnel_headers = [
        _("Department"),
        _("Members"),
        _("Visited"),
        _("Read"),
        _("Reacted"),
        _("Posted"),
        _("Active share"),
        _("Creators"),
        _("Contributors"),
        _("Readers"),
        _("Inactive"),
    ]

    def funnel(row):
        return [
            row.label,
            row.headcount,
            row.visited,
            row.read,
            row.reacted,
            row.posted,
            _ratio(row.active_share),
            row.pyramid.creators,
            row.pyramid.contributors,
            row.pyramid.readers,
            row.pyramid.inactive,
        ]

    return [
        Table(
            "summary",
            _("Summary"),
            [
                _("Figure"),
                _("This month"),
                _("Month before"),
                _("Change"),
                _("Baseline"),
                _("Since baseline"),
            ],
            [
                [
                    row.label,
                    _ratio(row.now) if row.is_ratio else row.now,
                    _ratio(row.before) if row.is_ratio else row.before,
                    _ratio(row.change_from_before),
                    _ratio(row.baseline) if row.is_ratio else row.baseline,
                    _ratio(row.change_from_baseline),
                ]
                for row in data.comparisons
            ],
        ),
        Table(
            "daily_active",
            _("Active members per day"),
            [_("Day"), _("Active members")],
            [[day, n] for day, n in data.engagement.daily],
            sheet=_("Daily active"),
        ),
        Table(
            "departments",
            _("Departments (five members or more)"),
            funnel_headers,
            [funnel(row) for row in part.departments]
            + ([funnel(part.leaders)] if part.leaders else [])
            + [funnel(part.everyone)],
            sheet=_("Departments"),
        ),
        Table(
            "groups",
            _("Top groups"),
            [_("Group"), _("Posts"), _("Comments"), _("Reactions")],
            [[g.name, g.posts, g.comments, g.reactions] for g in data.top_groups],
        ),
        Table(
            "hashtags",
            _("Trending hashtags"),
            [_("Hashtag"), _("Posts"), _("Month before")],
            [[f"#{h.name}", h.posts, h.previous] for h in data.hashtags],
        ),
        Table(
            "invitations",
            _("Invitations"),
            [_("Figure"), _("Value")],
            [
                [_("Invitations sent"), data.invites.sent],
                [_("Accepted"), data.invites.accepted],
                [_("Members who invited"), data.invites.inviters],
                [_("Viral coefficient"), round(data.invites.viral_coefficient, 2)],
                [_("Joined this month"), data.invites.cohort],
                [_("Still active 30 days later"), data.invites.retained],
                [_("Joined too recently to tell"), data.invites.too_recent],
            ],
        ),
        Table(
            "hub_networks",
            _("Hub shares and clicks per network"),
            [_("Network"), _("Shares"), _("Clicks")],
            [[row.label, row.shares, row.clicks] for row in data.hub.networks],
            sheet=_("Hub networks"),
        ),
        Table(
            "hub_campaigns",
            _("Hub shares and clicks per campaign"),
            [_("Campaign"), _("Shares"), _("Clicks")],
            [[row.label, row.shares, row.clicks] for row in data.hub.campaigns],
            sheet=_("Hub campaigns"),
        ),
        Table(
            "discussed",
            _("Most discussed posts in open groups"),
            [_("Post"), _("Group"), _("Author"), _("Comments")],
            [[p.excerpt, p.group, p.author, p.comments] for p in report.discussed],
            sheet=_("Most discussed"),
        ),
        Table(
            "experts",
            _("New experts (most endorsed this month)"),
            [_("Member"), _("Expertise"), _("Endorsements")],
            [[e.name, e.tag, e.endorsements] for e in report.experts],
            sheet=_("New experts"),
        ),
    ]


# --- renderers ----------------------------------------------------------------------------


def report_csv(report: MonthlyReport) -> str:
    """Every table in one long CSV (table, row, column, value): easy to load
    into a spreadsheet or BI tool."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["month", "table", "row", "column", "value"])
    for table in report_tables(report):
        for row in table.rows:
            for column, value in zip(table.headers[1:], row[1:], strict=True):
                writer.writerow(
                    [str(report.period), table.key, _cell(row[0]), column, _cell(value)]
                )
    return out.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def report_xlsx(report: MonthlyReport) -> bytes:
    """One sheet per table, with a header row, frozen panes and widths."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in report_tables(report):
        sheet = workbook.create_sheet(title=re.sub(r"[\\/*?:\[\]]", "-", table.sheet_name))
        sheet.append([f"{table.title} · {report.period}"])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append(table.headers)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(row)
        sheet.freeze_panes = "B3"
        for column, header in zip(sheet.columns, table.headers, strict=False):
            width = max([len(str(header))] + [len(str(c.value or "")) for c in column[2:]])
            sheet.column_dimensions[column[0].column_letter].width = min(60, width + 2)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def report_html(report: MonthlyReport) -> str:
    from .report_charts import report_charts

    return render_to_string(
        "metrics/report.html",
        {
            "report": report,
            "data": report.insights,
            "tables": {table.key: table for table in report_tables(report)},
            "charts": report_charts(report.insights),
        },
    )


def report_pdf(report: MonthlyReport) -> bytes:
    """The HTML version printed to A4 by WeasyPrint (needs Pango, see README)."""
    from weasyprint import HTML

    return HTML(string=report_html(report)).write_pdf()


REPORT_FORMATS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
}


def render_report(report: MonthlyReport, fmt: str) -> tuple[bytes | str, str]:
    """(content, content type) of the report in one of REPORT_FORMATS."""
    renderers = {"pdf": report_pdf, "xlsx": report_xlsx, "csv": report_csv, "html": report_html}
    return renderers[fmt](report), REPORT_FORMATS[fmt]
