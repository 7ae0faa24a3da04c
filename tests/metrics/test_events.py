"""Participation events are facts recorded with the act, or not at all."""

import pytest
from django.db import transaction

from metrics.models import EventKind, ParticipationEvent
from metrics.services import event_record
from tests.factories import GroupFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_event_records_who_what_where_and_the_department_at_the_time():
    actor, group = UserFactory(), GroupFactory()
    event = event_record(actor=actor, kind=EventKind.JOIN_GROUP, group_id=group.pk, target=group)
    assert (event.kind, event.actor, event.group_id) == ("join_group", actor, group.pk)
    assert event.department_id == actor.profile.department_id
    assert (event.object_type, event.object_id) == ("groups.group", group.pk)


def test_an_act_that_rolls_back_leaves_no_event():
    actor = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        event_record(actor=actor, kind=EventKind.POST)
        raise RuntimeError("the post failed")
    assert not ParticipationEvent.objects.exists()


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        event_record(actor=UserFactory(), kind="teleport")
