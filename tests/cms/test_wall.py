"""The hub wall: a screen in the restaurant, no login but a kiosk token, never
anything from closed or secret groups, refreshed over its own websocket."""

import pytest
from asgiref.sync import sync_to_async
from django.test import override_settings
from django.utils import timezone

from feed.services import post_create
from groups.models import Visibility
from profiles.services import kudos_create
from tests.cms.factories import publish_item
from tests.factories import GroupFactory, MembershipFactory, PostFactory, UserFactory

TOKEN = "restaurant-screen-7f3a"


@pytest.fixture(autouse=True)
def kiosk_token():
    with override_settings(BUZZ_KIOSK_TOKEN=TOKEN):
        yield


def _member_of(group):
    user = UserFactory()
    MembershipFactory(group=group, user=user)
    return user


@pytest.mark.django_db
def test_the_wall_needs_no_login_but_the_right_token(client):
    publish_item("Featured vacancy", featured=True)
    response = client.get(f"/hub/wall/{TOKEN}/")
    assert response.status_code == 200
    assert "Featured vacancy" in response.content.decode()
    # Framed only where BUZZ_KIOSK_FRAME_ANCESTORS allows (tests/community/test_security_headers).
    assert response["X-Frame-Options"] == "DENY"
    for wrong in ("nope", TOKEN + "x", TOKEN[:-1]):
        assert client.get(f"/hub/wall/{wrong}/").status_code == 404


@pytest.mark.django_db
def test_without_a_configured_token_there_is_no_wall(client):
    with override_settings(BUZZ_KIOSK_TOKEN=""):
        assert client.get("/hub/wall/anything/").status_code == 404


@pytest.mark.django_db
def test_the_wall_shows_open_groups_only(client):
    open_group = GroupFactory(name="Running club", visibility=Visibility.OPEN)
    closed = GroupFactory(name="Works council", visibility=Visibility.CLOSED)
    secret = GroupFactory(name="Merger team", visibility=Visibility.SECRET)
    archived = GroupFactory(name="Old guild", archived_at=timezone.now())
    post_create(actor=_member_of(open_group), group=open_group, body="Run at noon")
    post_create(actor=_member_of(closed), group=closed, body="Council minutes")
    post_create(actor=_member_of(secret), group=secret, body="Target is Acme")
    PostFactory(group=archived, body="Archived chatter")  # nobody posts in it any more
    post_create(actor=UserFactory(), body="Company-wide note")
    gone = post_create(actor=_member_of(open_group), group=open_group, body="Deleted run")
    gone.deleted_at = timezone.now()
    gone.save()
    page = client.get(f"/hub/wall/{TOKEN}/?panels=1").content.decode()
    assert "Run at noon" in page and "Running club" in page
    for hidden in (
        "Council minutes",
        "Target is Acme",
        "Merger team",
        "Archived chatter",
        "Company-wide note",
        "Deleted run",
    ):
        assert hidden not in page, hidden


@pytest.mark.django_db
def test_the_wall_welcomes_new_members_and_shows_kudos(client):
    giver = UserFactory()
    newcomer = UserFactory()
    newcomer.profile.display_name = "Nadia Newcomer"
    newcomer.profile.save()
    kudos_create(actor=giver, receiver=newcomer, category="helpful", message="Thanks for the help!")
    page = client.get(f"/hub/wall/{TOKEN}/").content.decode()
    assert "Nadia Newcomer" in page and "Thanks for the help!" in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_wall_socket_is_nudged_for_open_posts_only(ws_connect):
    wrong, connected, _ = await ws_connect(path="/ws/wall/?token=wrong")
    assert (await wrong.receive_output(timeout=2))["type"] == "websocket.close"

    wall, connected, _ = await ws_connect(path=f"/ws/wall/?token={TOKEN}")
    assert connected
    assert await wall.receive_json_from(timeout=2) == {"type": "hello"}

    open_group = await sync_to_async(GroupFactory)(visibility=Visibility.OPEN)
    secret = await sync_to_async(GroupFactory)(visibility=Visibility.SECRET)
    insider = await sync_to_async(_member_of)(secret)
    await sync_to_async(post_create)(actor=insider, group=secret, body="Hush")
    assert await wall.receive_nothing(timeout=0.5)
    runner = await sync_to_async(_member_of)(open_group)
    await sync_to_async(post_create)(actor=runner, group=open_group, body="Run at noon")
    assert await wall.receive_json_from(timeout=2) == {"type": "refresh"}
