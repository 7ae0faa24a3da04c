"""Colleagues vouch for each other's expertise: once each, never for themselves."""

import pytest
from django.core.exceptions import ValidationError

from metrics.models import EventKind, ParticipationEvent
from profiles.models import Endorsement
from profiles.selectors import profile_page_for
from profiles.services import endorsement_create, endorsement_delete, profile_expertise_set
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def expert():
    member = UserFactory()
    profile_expertise_set(actor=member, profile=member.profile, names=["Kubernetes", "Go"])
    return member


def test_colleague_endorses_an_expertise_and_an_event_is_recorded(expert):
    colleague = UserFactory()
    endorsement, created = endorsement_create(
        actor=colleague, endorsed=expert, tag_name="Kubernetes"
    )
    assert created
    assert (endorsement.endorser, endorsement.endorsed, endorsement.tag.name) == (
        colleague,
        expert,
        "Kubernetes",
    )
    event = ParticipationEvent.objects.get(kind=EventKind.ENDORSEMENT)
    assert (event.actor, event.object_id) == (colleague, endorsement.pk)


def test_self_endorsement_is_refused(expert):
    with pytest.raises(ValidationError, match="cannot endorse your own expertise"):
        endorsement_create(actor=expert, endorsed=expert, tag_name="Kubernetes")
    assert not Endorsement.objects.exists()


def test_duplicate_endorsement_is_idempotent(expert):
    colleague = UserFactory()
    first, created_first = endorsement_create(actor=colleague, endorsed=expert, tag_name="Go")
    again, created_again = endorsement_create(actor=colleague, endorsed=expert, tag_name="go ")
    assert created_first and not created_again
    assert again == first
    assert Endorsement.objects.count() == 1
    assert ParticipationEvent.objects.filter(kind=EventKind.ENDORSEMENT).count() == 1


def test_a_tag_the_member_does_not_list_cannot_be_endorsed(expert):
    with pytest.raises(ValidationError, match="not one of this colleague's areas"):
        endorsement_create(actor=UserFactory(), endorsed=expert, tag_name="Cobol")


def test_a_deactivated_member_cannot_be_endorsed(expert):
    expert.is_active = False
    expert.save()
    with pytest.raises(ValidationError, match="no longer active"):
        endorsement_create(actor=UserFactory(), endorsed=expert, tag_name="Go")


def test_endorsement_can_be_withdrawn(expert):
    colleague = UserFactory()
    endorsement_create(actor=colleague, endorsed=expert, tag_name="Go")
    assert endorsement_delete(actor=colleague, endorsed=expert, tag_name="Go")
    assert not endorsement_delete(actor=colleague, endorsed=expert, tag_name="Go")
    assert not Endorsement.objects.exists()


def test_profile_lists_tags_by_endorsements_with_who_endorsed(expert):
    ann, bob = UserFactory(), UserFactory()
    endorsement_create(actor=ann, endorsed=expert, tag_name="Go")
    endorsement_create(actor=bob, endorsed=expert, tag_name="Go")
    endorsement_create(actor=bob, endorsed=expert, tag_name="Kubernetes")
    page = profile_page_for(ann, username=expert.username)
    assert [(e.tag.name, e.count) for e in page.expertise] == [("Go", 2), ("Kubernetes", 1)]
    assert [p.user for p in page.expertise[0].endorsers] == [ann, bob]
    assert page.expertise[0].endorsed_by_viewer
    assert not page.expertise[1].endorsed_by_viewer


def test_endorse_button_works_without_javascript(expert, client_for):
    colleague = UserFactory()
    client = client_for(colleague)
    url = f"/people/{expert.username}/endorse/"
    response = client.post(url, {"tag": "Kubernetes"})
    assert response.status_code == 302
    assert response["Location"] == f"/people/{expert.username}/#expertise"
    html = client.get(f"/people/{expert.username}/").content.decode()
    assert "1 endorsement" in html
    assert colleague.profile.display_name in html
    assert "Withdraw endorsement" in html
    client.post(url, {"tag": "Kubernetes", "action": "withdraw"})
    assert not Endorsement.objects.exists()


def test_self_endorsement_through_the_page_shows_the_reason(expert, client_for):
    client = client_for(expert)
    response = client.post(f"/people/{expert.username}/endorse/", {"tag": "Go"}, follow=True)
    assert "You cannot endorse your own expertise." in response.content.decode()
    assert not Endorsement.objects.exists()


def test_own_profile_has_no_endorse_buttons(expert, client_for):
    html = client_for(expert).get(f"/people/{expert.username}/").content.decode()
    assert "Endorse Go" not in html


def test_endorsing_needs_a_login_and_a_post(expert, client, client_for):
    url = f"/people/{expert.username}/endorse/"
    assert client.post(url, {"tag": "Go"}).status_code == 302
    assert client_for(UserFactory()).get(url).status_code == 405
    assert not Endorsement.objects.exists()
