"""The reporting API (issue 9): daily rollups for BI tools, as JSON or CSV.

Who may read: `metrics.selectors.may_read_insights` (community managers, MT
members, staff). What they may read: the whole community, departments with at
least five active members, and groups that are not secret. Per-member figures
are never offered in bulk.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Literal
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from cms.models import Network
from community.api_base import AUTH_ERRORS, ApiError, ErrorOut, error_example
from community.pagination import keyset_paginate

from .models import DailyRollup, EventKind, RollupScope
from .selectors import DEPARTMENT_MINIMUM, may_read_insights, rollups_for_report

router = Router(tags=["metrics"])

MAX_SPAN_DAYS = 366
DEFAULT_LIMIT = 500
MAX_LIMIT = 5000
ORDERING = ["day", "metric", "scope", "scope_id"]
CSV_COLUMNS = ["day", "metric", "scope", "scope_id", "value"]


def known_metrics() -> list[str]:
    """Every event kind, and shares and clicks per network (`share:linkedin`)."""
    per_network = [
        f"{kind}:{network}" for kind in (EventKind.SHARE, EventKind.CLICK) for network in Network
    ]
    return [str(kind) for kind in EventKind] + per_network


class RollupQuery(Schema):
    since: dt.date = Field(description="First day, inclusive (YYYY-MM-DD).")
    until: dt.date | None = Field(
        None, description=f"Last day, inclusive; today if left out. At most {MAX_SPAN_DAYS} days."
    )
    metric: list[str] = Field(
        default_factory=list,
        description="Repeat it (`metric=post&metric=comment`) or separate with commas "
        "(`metric=post,comment`); every metric when left out. Event kinds, and "
        "`share:<network>` / `click:<network>`.",
    )
    scope: Literal["all", "department", "group"] | None = Field(
        None,
        description="`all` is the whole community. Every scope when left out. "
        "Per-member figures are not available.",
    )
    scope_id: int | None = Field(None, ge=1, description="One department or group (needs `scope`).")
    cursor: str | None = Field(None, description="`next_cursor` of the previous page.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    format: Literal["json", "csv"] | None = Field(
        None, description="`csv` for text/csv (also chosen by `Accept: text/csv`)."
    )

    @field_validator("scope", mode="before")
    @classmethod
    def _no_member_scope(cls, value):
        if value == RollupScope.MEMBER:
            raise PydanticCustomError(
                "member_scope",
                "Per-member figures are not available through the API: "
                "ask for all, department or group.",
            )
        return value


class RollupRow(Schema):
    day: dt.date
    metric: str
    scope: Literal["all", "department", "group"]
    scope_id: int = Field(description="0 for the whole community.")
    value: int


class RollupPage(Schema):
    items: list[RollupRow]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "items": [
                        {
                            "day": "2026-11-02",
                            "metric": "post",
                            "scope": "all",
                            "scope_id": 0,
                            "value": 132,
                        },
                        {
                            "day": "2026-11-02",
                            "metric": "share:linkedin",
                            "scope": "department",
                            "scope_id": 7,
                            "value": 18,
                        },
                    ],
                    "next_cursor": (
                        "WyIyMDI2LTExLTAyIiwgInNoYXJlOmxpbmtlZGluIiwgImRlcGFydG1lbnQiLCA3XQ"
                    ),
                }
            ]
        }
    }


def _invalid(fields: dict[str, list[str]]) -> ApiError:
    return ApiError(422, "invalid", _("Some parameters are not valid."), fields=fields)


def _check(query: RollupQuery, today: dt.date) -> tuple[dt.date, list[str]]:
    """The last day and the metrics asked for; every problem at once as a 422."""
    errors: dict[str, list[str]] = {}
    until = query.until or today
    if until < query.since:
        errors.setdefault("until", []).append(_("The last day comes before the first day."))
    elif (until - query.since).days + 1 > MAX_SPAN_DAYS:
        errors.setdefault("until", []).append(
            _("Ask for at most %(days)d days at a time.") % {"days": MAX_SPAN_DAYS}
        )
    metrics = list(
        dict.fromkeys(
            part.strip() for value in query.metric for part in value.split(",") if part.strip()
        )
    )
    known = set(known_metrics())
    unknown = [metric for metric in metrics if metric not in known]
    if unknown:
        errors.setdefault("metric", []).append(
            _("Unknown metric: %(metrics)s.") % {"metrics": ", ".join(unknown)}
        )
    if query.scope_id is not None and query.scope in (None, RollupScope.ALL):
        errors.setdefault("scope_id", []).append(
            _("Give scope=department or scope=group with scope_id.")
        )
    if errors:
        raise _invalid(errors)
    return until, metrics


def _wants_csv(request: HttpRequest, query: RollupQuery) -> bool:
    if query.format is not None:
        return query.format == "csv"
    return "text/csv" in request.headers.get("Accept", "")


def _next_link(request: HttpRequest, cursor: str) -> str:
    params = request.GET.copy()
    params["cursor"] = cursor
    return request.build_absolute_uri(
        f"{request.path}?{urlencode(list(params.lists()), doseq=True)}"
    )


def _csv_response(
    request: HttpRequest, rows: list[DailyRollup], next_cursor: str | None, name: str
):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(
        [row.day.isoformat(), row.metric, row.scope, row.scope_id, row.value] for row in rows
    )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    if next_cursor:
        response["X-Next-Cursor"] = next_cursor
        response["Link"] = f'<{_next_link(request, next_cursor)}>; rel="next"'
    return response


CSV_EXAMPLE = (
    "day,metric,scope,scope_id,value\r\n"
    "2026-11-02,post,all,0,132\r\n"
    "2026-11-02,share:linkedin,department,7,18\r\n"
)


@router.get(
    "/rollups",
    response={200: RollupPage, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="metrics_rollups_list",
    summary="Daily rollups",
    description=(
        "How often each metric happened per day, for the whole community (`all`), per "
        f"department (only departments with at least {DEPARTMENT_MINIMUM} active members) "
        "and per group (never secret groups). Ordered by day, metric, scope, scope_id; "
        f"keyset-paginated ({DEFAULT_LIMIT} rows a page by default, at most {MAX_LIMIT}). "
        "For community managers, MT members and staff only. "
        "`format=csv` or `Accept: text/csv` gives the same page as CSV with a header row; "
        'its next cursor is in the `X-Next-Cursor` header and a `Link: <...>; rel="next"`.'
    ),
    openapi_extra={
        "responses": {
            200: {
                "content": {"text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE}},
                "headers": {
                    "X-Next-Cursor": {
                        "description": "CSV only: the cursor of the next page, if any.",
                        "schema": {"type": "string"},
                    }
                },
            },
            401: error_example("unauthenticated", "Log in or send a token."),
            403: error_example("forbidden", "Only community managers, MT members and staff."),
            422: error_example(
                "invalid",
                "Some parameters are not valid.",
                {"metric": ["Unknown metric: posts."]},
            ),
        }
    },
)
def rollups_list(request: HttpRequest, response: HttpResponse, query: Query[RollupQuery]):
    if not may_read_insights(request.auth):
        raise ApiError(
            403, "forbidden", _("Only community managers, MT members and staff read metrics.")
        )
    until, metrics = _check(query, timezone.localdate())
    rows = rollups_for_report(
        since=query.since, until=until, metrics=metrics, scope=query.scope, scope_id=query.scope_id
    )
    page = keyset_paginate(rows, ordering=ORDERING, cursor=query.cursor, size=query.limit)
    if _wants_csv(request, query):
        name = f"buzz-rollups-{query.since:%Y%m%d}-{until:%Y%m%d}"
        response = _csv_response(request, page.items, page.next_cursor, name)
        patch_vary_headers(response, ["Accept"])
        return response
    # The same URL answers JSON or CSV by the Accept header: caches must know.
    patch_vary_headers(response, ["Accept"])
    return {"items": page.items, "next_cursor": page.next_cursor}
