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


def test_first_page_of_the_day_records_one_visit(member_client, member):
    assert member_client.get("/").status_code == 200
    member_client.get("/groups/")
    member_client.get("/", headers={"HX-Request": "true"})
    visits = ParticipationEvent.objects.filter(kind=EventKind.VISIT)
    assert [(event.actor_id, event.department_id) for event in visits] == [
        (member.pk, member.profile.department_id)
    ]


def test_anonymous_pages_and_failed_requests_record_no_visit(client, member_client):
    client.get("/accounts/login/")
    member_client.get("/no-such-page/")
    assert not ParticipationEvent.objects.filter(kind=EventKind.VISIT).exists()
