"""Participation events: every app records its meaningful acts here."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from .models import EventKind, ParticipationEvent


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
    profile = getattr(actor, "profile", None) if actor is not None else None
    return ParticipationEvent.objects.create(
        kind=EventKind(kind),
        actor=actor,
        department_id=getattr(profile, "department_id", None),
        group_id=group_id,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=target.pk if target is not None else None,
        network=network,
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
