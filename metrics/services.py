"""Participation events: every app records its meaningful acts here."""

from __future__ import annotations

from django.db import models

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
