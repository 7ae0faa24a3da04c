"""Keyset ("cursor") pagination: every list page costs the same, however deep.

A cursor holds the sort values of the last row shown; the next page is the rows
strictly after it in the list's order. The order must end in a unique column
(the primary key) so no row is skipped or shown twice.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q, QuerySet

DEFAULT_PAGE_SIZE = 20


class InvalidCursor(ValueError):
    """A cursor that was not made by this module (tampered or stale format)."""


@dataclass(frozen=True)
class KeysetPage[M: Model]:
    items: list[M]
    next_cursor: str | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def _encode(values: list[Any]) -> str:
    # Dates and datetimes alike (datetime is a date): JSON has neither.
    plain = [v.isoformat() if isinstance(v, dt.date) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _field(queryset: QuerySet, name: str):
    """The model field, or the output field of an annotation, called `name`."""
    if name == "pk":
        return queryset.model._meta.pk
    if name in queryset.query.annotations:
        return queryset.query.annotations[name].output_field
    return queryset.model._meta.get_field(name)


def _decode(cursor: str, fields: list[str], queryset: QuerySet) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError) as exc:
        raise InvalidCursor(str(exc)) from None
    if not isinstance(values, list) or len(values) != len(fields):
        raise InvalidCursor("cursor does not match this list")
    decoded = []
    for name, value in zip(fields, values, strict=True):
        field = _field(queryset, name)
        try:
            decoded.append(field.to_python(value))
        except Exception as exc:
            raise InvalidCursor(str(exc)) from None
    return decoded


def keyset_paginate[M: Model](
    queryset: QuerySet[M],
    *,
    ordering: list[str],
    cursor: str | None = None,
    size: int = DEFAULT_PAGE_SIZE,
) -> KeysetPage[M]:
    """One page of `queryset` in `ordering` (e.g. ["-created_at", "-pk"]), after `cursor`."""
    fields = [name.lstrip("-") for name in ordering]
    queryset = queryset.order_by(*ordering)
    if cursor:
        values = _decode(cursor, fields, queryset)
        after = Q()
        # (a, b, c) > (x, y, z)  ==  a > x OR (a = x AND (b > y OR (b = y AND c > z)))
        for index in reversed(range(len(fields))):
            op = "lt" if ordering[index].startswith("-") else "gt"
            strictly = Q(**{f"{fields[index]}__{op}": values[index]})
            after = (
                strictly
                if index == len(fields) - 1
                else strictly | (Q(**{fields[index]: values[index]}) & after)
            )
        queryset = queryset.filter(after)
    rows = list(queryset[: size + 1])
    items = rows[:size]
    next_cursor = None
    if len(rows) > size:
        last = items[-1]
        next_cursor = _encode([_value(last, name) for name in fields])
    return KeysetPage(items=items, next_cursor=next_cursor)


def _value(obj: Model, name: str) -> Any:
    if name == "pk":
        return obj.pk
    return getattr(obj, name)
