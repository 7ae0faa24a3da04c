"""The guided start after joining: five steps, progress, skippable."""

import pytest
from django.test import Client

from groups.models import Visibility
from invites import services
from invites.selectors import onboarding_for, suggested_colleagues_for
from profiles.models import Follow
from tests.factories import GroupFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
STRONG = "a-sturdy-passphrase-2026"


def join_through_link(inviter):
    _invitation, token = services.invitation_link_create(actor=inviter, max_uses=5)
    client = Client()
    response = client.post(
        f"/join/{token}/",
        {
            "email": "fresh@buzz.example",
            "first_name": "Fay",
            "last_name": "Fresh",
            "password": STRONG,
            "password_again": STRONG,
            "language": "en",
        },
    )
    return client, response


def test_sign_up_lands_on_the_guided_start_with_the_inviter_suggested_first():
    inviter = UserFactory(first_name="Ivo", last_name="Inviter")
    client, response = join_through_link(inviter)
    assert response["Location"] == "/welcome/"
    html = client.get("/welcome/").content.decode()
    assert "0 of 5 steps done" in html
    assert html.index("Ivo Inviter") < html.index("Join groups")


def test_progress_follows_what_the_member_does_and_the_feed_shows_it():
    inviter = UserFactory()
    client, _ = join_through_link(inviter)
    from profiles.models import User

    fay = User.objects.get(email="fresh@buzz.example")
    Follow.objects.create(follower=fay, followed=inviter)
    MembershipFactory(group=GroupFactory(visibility=Visibility.OPEN), user=fay)
    client.post("/welcome/guidelines/")
    progress = onboarding_for(fay)
    assert [step.key for step in progress.steps if step.done] == ["follow", "groups", "guidelines"]
    assert "Getting started: 3 of 5 steps done." in client.get("/").content.decode()


def test_skipping_hides_the_guided_start():
    client, _ = join_through_link(UserFactory())
    client.post("/welcome/skip/")
    assert "Getting started" not in client.get("/").content.decode()


def test_inviter_is_not_suggested_once_followed():
    inviter = UserFactory()
    _client, _ = join_through_link(inviter)
    from profiles.models import User

    fay = User.objects.get(email="fresh@buzz.example")
    assert suggested_colleagues_for(fay)[0].user == inviter
    Follow.objects.create(follower=fay, followed=inviter)
    assert inviter not in [p.user for p in suggested_colleagues_for(fay)]


def test_unknown_welcome_action_is_not_found(member_client):
    assert member_client.post("/welcome/explode/").status_code == 404
