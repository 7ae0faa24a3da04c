"""Participation events: every app records its meaningful acts here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .days import day_bounds
from .models import (
    Baseline,
    DailyRollup,
    EventKind,
    ParticipationEvent,
    ReportDelivery,
    RollupScope,
)


def _event(
    *,
    actor,
    kind: EventKind | str,
    group_id: int | None,
    target: models.Model | None,
    network: str = "",
) -> ParticipationEvent:
    profile = getattr(actor, "profile", None) if actor is not None else None
    return ParticipationEvent(
        kind=EventKind(kind),
        actor=actor,
        department_id=getattr(profile, "department_id", None),
        group_id=group_id,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=target.pk if target is not None else None,
        network=network,
    )


def event_record(
    *,
    actor,
    kind: EventKind | str,
    group_id: int | None = None,
    target: models.Model | None = None,
    network: str = "",
) -> ParticipationEvent:
    """Record one participation event in the caller's transaction, so an act that
    rolls back leaves no event behind."""
    event = _event(actor=actor, kind=kind, group_id=group_id, target=target, network=network)
    event.save(force_insert=True)
    return event


def events_record(
    *, actor, events: Sequence[tuple[EventKind | str, int | None, models.Model | None]]
) -> list[ParticipationEvent]:
    """event_record for several acts of one write (a post and its mentions),
    as (kind, group id, target), in one INSERT in the caller's transaction."""
    return ParticipationEvent.objects.bulk_create(
        [
            _event(actor=actor, kind=kind, group_id=group_id, target=target)
            for kind, group_id, target in events
        ]
    )


def reads_record(*, actor, readable: dict[int, int | None]) -> int:
    """Record "read" events for posts a member saw in their viewport. `readable`
    maps the post ids to record to their group id, already filtered by what the
    member may read (groups.selectors). At most one read per member and post a
    day. Returns how many were recorded."""
    today = timezone.localdate()
    already = set(
        ParticipationEvent.objects.filter(
            actor=actor,
            kind=EventKind.READ,
            object_type="feed.post",
            object_id__in=list(readable),
            occurred_at__date=today,
        ).values_list("object_id", flat=True)
    )
    profile = getattr(actor, "profile", None)
    events = [
        ParticipationEvent(
            kind=EventKind.READ,
            actor=actor,
            department_id=getattr(profile, "department_id", None),
            group_id=group_id,
            object_type="feed.post",
            object_id=post_id,
        )
        for post_id, group_id in readable.items()
        if post_id not in already
    ]
    ParticipationEvent.objects.bulk_create(events)
    return len(events)


# --- rollups ------------------------------------------------------------------------------

NETWORK_METRICS = {EventKind.SHARE, EventKind.CLICK}
SCOPE_FIELDS = {
    RollupScope.ALL: None,
    RollupScope.MEMBER: "actor_id",
    RollupScope.DEPARTMENT: "department_id",
    RollupScope.GROUP: "group_id",
}


@transaction.atomic
def rollup_days(first: dt.date, last: dt.date) -> int:
    """Recompute the daily rollups of `first`..`last` (inclusive, in the site's
    time zone) from the events: the days' rows are replaced, so running it twice
    gives the same table. One grouped query per scope. Returns rows written."""
    if last < first:
        raise ValueError("last day before first day")
    start, end = day_bounds(first, last)
    DailyRollup.objects.filter(day__gte=first, day__lte=last).delete()
    events = ParticipationEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
    day = TruncDate("occurred_at", tzinfo=timezone.get_current_timezone())
    rows: dict[tuple, int] = {}
    for scope, field in SCOPE_FIELDS.items():
        columns = ["kind", "network"] + ([field] if field else [])
        grouped = events.annotate(day=day).values("day", *columns).annotate(n=Count("pk"))
        if field:
            grouped = grouped.filter(**{f"{field}__isnull": False})
        for row in grouped.order_by():
            scope_id = row[field] if field else 0
            metrics = [row["kind"]]
            if row["kind"] in NETWORK_METRICS and row["network"]:
                metrics.append(f"{row['kind']}:{row['network']}")
            for metric in metrics:
                key = (row["day"], metric, scope, scope_id)
                rows[key] = rows.get(key, 0) + row["n"]
    DailyRollup.objects.bulk_create(
        [
            DailyRollup(day=day_, metric=metric, scope=scope, scope_id=scope_id, value=value)
            for (day_, metric, scope, scope_id), value in rows.items()
        ],
        batch_size=2000,
    )
    return len(rows)


# --- the baseline -------------------------------------------------------------------------


def baseline_set(*, actor, day: dt.date, label: str = "") -> Baseline:
    """Choose the zero measurement: the 30 days up to `day`. Setting the same
    day again only relabels it. Only community managers and staff may."""
    from .selectors import may_set_baseline

    if not may_set_baseline(actor):
        raise PermissionDenied
    if day > timezone.localdate():
        raise ValidationError({"day": _("The baseline cannot be in the future.")})
    baseline, _created = Baseline.objects.update_or_create(
        day=day, defaults={"label": label.strip()[:120], "created_by": actor}
    )
    return baseline


# --- the monthly MT report ----------------------------------------------------------------


def mt_report_recipients() -> list[str]:
    """BUZZ_MT_REPORT_TO, or else the active MT members' addresses."""
    if settings.BUZZ_MT_REPORT_TO:
        return list(settings.BUZZ_MT_REPORT_TO)
    return list(
        get_user_model()
        .objects.filter(is_active=True, profile__is_mt_member=True)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
    )


def mt_report_deliver(month: str, *, once: bool = False) -> int:
    """E-mail the month's MT report (PDF and XLSX attached, the summary in the
    body) to the MT list. With `once`, a month already delivered is skipped,
    so a scheduler may call this every hour. Returns the number of recipients
    (0 when skipped or nobody is on the list)."""
    from .report import monthly_report, report_pdf, report_tables, report_xlsx
    from .selectors import Period

    period = Period.parse_month(month)
    if once and ReportDelivery.objects.filter(month=str(period)).exists():
        return 0
    recipients = mt_report_recipients()
    if not recipients:
        return 0
    report = monthly_report(period)
    summary = next(table for table in report_tables(report) if table.key == "summary")
    context = {"report": report, "summary": summary}
    subject = _("Buzz participation report, %(month)s") % {
        "month": date_format(period.first, "F Y")
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("metrics/email/mt_report.txt", context),
        to=recipients,
    )
    message.attach_alternative(
        render_to_string("metrics/email/mt_report.html", context), "text/html"
    )
    message.attach(f"buzz-mt-report-{period}.pdf", report_pdf(report), "application/pdf")
    message.attach(
        f"buzz-mt-report-{period}.xlsx",
        report_xlsx(report),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    with transaction.atomic():
        # The row first: a second scheduler racing for the same month fails here.
        ReportDelivery.objects.create(month=str(period), recipients=len(recipients))
        message.send()
    return len(recipients)
