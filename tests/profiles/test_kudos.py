"""Kudos: a short public thank-you, shown on the receiver's profile."""

import pytest
from django.core.exceptions import ValidationError

from metrics.models import EventKind, ParticipationEvent
from profiles.models import Kudos, KudosCategory
from profiles.selectors import kudos_list
from profiles.services import kudos_create
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_kudos_are_stored_with_an_event_and_listed_for_the_feed():
    ann, bob = UserFactory(), UserFactory()
    kudos = kudos_create(
        actor=ann, receiver=bob, category=KudosCategory.HELPFUL, message="  Thanks for the review! "
    )
    assert (kudos.giver, kudos.receiver, kudos.message) == (ann, bob, "Thanks for the review!")
    assert ParticipationEvent.objects.get(kind=EventKind.KUDOS).object_id == kudos.pk
    assert list(kudos_list()) == [kudos]


def test_kudos_to_yourself_are_refused():
    ann = UserFactory()
    with pytest.raises(ValidationError, match="cannot give kudos to yourself"):
        kudos_create(actor=ann, receiver=ann, category="helpful", message="Me!")
    assert not Kudos.objects.exists()


@pytest.mark.parametrize(
    ("category", "message", "field"),
    [
        ("helpful", "x" * 281, "message"),
        ("bribe", "Thanks", "category"),
        ("helpful", "  ", "message"),
    ],
)
def test_bad_kudos_are_refused(category, message, field):
    with pytest.raises(ValidationError) as caught:
        kudos_create(
            actor=UserFactory(), receiver=UserFactory(), category=category, message=message
        )
    assert field in caught.value.message_dict
    assert not ParticipationEvent.objects.exists()


def test_kudos_to_a_deactivated_member_are_refused():
    with pytest.raises(ValidationError, match="no longer active"):
        kudos_create(
            actor=UserFactory(),
            receiver=UserFactory(is_active=False),
            category="helpful",
            message="Hi",
        )


def test_kudos_form_posts_and_the_kudos_show_on_the_profile(client_for):
    ann, bob = UserFactory(), UserFactory()
    client = client_for(ann)
    response = client.post(
        f"/people/{bob.username}/kudos/", {"category": "team_player", "message": "Great sprint!"}
    )
    assert response.status_code == 302
    html = client.get(f"/people/{bob.username}/").content.decode()
    assert "Team player" in html
    assert "Great sprint!" in html
    assert f"from {ann.profile.display_name}" in html


def test_kudos_form_errors_are_shown_on_the_profile(client_for):
    ann, bob = UserFactory(), UserFactory()
    response = client_for(ann).post(
        f"/people/{bob.username}/kudos/", {"category": "team_player", "message": ""}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Kudos.objects.exists()


def test_kudos_to_yourself_through_the_page_shows_the_reason(client_for):
    ann = UserFactory()
    response = client_for(ann).post(
        f"/people/{ann.username}/kudos/", {"category": "helpful", "message": "Me"}
    )
    assert response.status_code == 400
    assert "You cannot give kudos to yourself." in response.content.decode()
