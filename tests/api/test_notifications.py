"""My notifications through the API: a cursor-paged list that never points at
a post or group the member may no longer see, and marking them read."""

import json

import pytest
from django.urls import reverse

from feed.models import Notification, NotificationKind
from groups.models import Visibility
from profiles.models import TokenScope
from tests.api.conftest import bearer, token_for
from tests.api.test_auth import assert_error
from tests.factories import GroupFactory, MembershipFactory, PostFactory, UserFactory
from tests.helpers import assert_constant_query_count

pytestmark = pytest.mark.django_db


def notify(recipient, kind=NotificationKind.KUDOS, *, actor=None, **fields) -> Notification:
    actor = actor or UserFactory()
    return Notification.objects.create(
        recipient=recipient, kind=kind, actor=actor, actor_ids=[actor.pk], **fields
    )


def test_list_shows_my_notifications_newest_first_with_a_sentence(session_client, member):
    ann = UserFactory(profile__display_name="Ann Actor")
    older = notify(member, actor=ann)
    post = PostFactory(author=member)
    newer = notify(member, NotificationKind.COMMENT, post=post)
    notify(UserFactory())  # someone else's
    body = session_client(member).get("/api/v1/notifications").json()
    assert [item["id"] for item in body["items"]] == [newer.pk, older.pk]
    assert body["unread"] == 2
    kudos = body["items"][1]
    assert kudos["kind"] == "kudos"
    assert kudos["text"] == "Ann Actor gave you kudos"
    assert kudos["actor"] == {"username": ann.username, "display_name": "Ann Actor"}
    assert kudos["read_at"] is None
    assert body["items"][0]["post_id"] == post.pk
    assert body["items"][0]["url"] == reverse("feed:post", args=[post.pk])


def test_a_post_in_a_secret_group_i_left_is_no_longer_pointed_at(session_client, member):
    secret = GroupFactory(name="Project Falcon", visibility=Visibility.SECRET)
    post = PostFactory(group=secret)
    notify(member, NotificationKind.MENTION, post=post)
    # The member was a member when mentioned, and has left since.
    body = session_client(member).get("/api/v1/notifications").json()
    item = body["items"][0]
    assert item["post_id"] is None and item["group"] is None
    assert str(post.pk) not in item["url"]
    MembershipFactory(group=secret, user=member)
    item = session_client(member).get("/api/v1/notifications").json()["items"][0]
    assert item["post_id"] == post.pk


def test_join_request_names_the_group_i_run(session_client, member):
    group = GroupFactory(name="Runners", visibility=Visibility.CLOSED)
    MembershipFactory(group=group, user=member)
    notify(member, NotificationKind.JOIN_REQUEST, group=group)
    item = session_client(member).get("/api/v1/notifications").json()["items"][0]
    assert item["group"] == {"slug": group.slug, "name": "Runners"}
    assert "Runners" in item["text"]


def test_list_pages_by_cursor(session_client, member):
    made = [notify(member) for _ in range(3)]
    client = session_client(member)
    first = client.get("/api/v1/notifications", {"limit": 2}).json()
    rest = client.get("/api/v1/notifications", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [i["id"] for i in first["items"] + rest["items"]] == [n.pk for n in reversed(made)]
    assert rest["next_cursor"] is None


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"cursor": "nope"}])
def test_list_refuses_bad_parameters(session_client, member, params):
    assert_error(session_client(member).get("/api/v1/notifications", params), 422, "invalid")


def test_list_query_count_does_not_grow(session_client, member):
    group = GroupFactory()

    def grow():
        for _ in range(3):
            notify(member, NotificationKind.COMMENT, post=PostFactory(group=group))
            notify(member, NotificationKind.JOIN_REQUEST, group=GroupFactory())
            notify(member)

    grow()
    client = session_client(member)
    assert_constant_query_count(lambda: client.get("/api/v1/notifications"), grow)


def test_mark_some_read_ignores_ids_that_are_not_mine(session_client, member):
    mine, other = notify(member), notify(member)
    theirs = notify(UserFactory())
    response = session_client(member).post(
        "/api/v1/notifications/read",
        {"ids": [mine.pk, theirs.pk]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"marked": 1, "unread": 1}
    mine.refresh_from_db(), other.refresh_from_db(), theirs.refresh_from_db()
    assert mine.read_at is not None and other.read_at is None and theirs.read_at is None


def test_mark_all_read(session_client, member):
    for _ in range(3):
        notify(member)
    response = session_client(member).post(
        "/api/v1/notifications/read", {"all": True}, content_type="application/json"
    )
    assert response.json() == {"marked": 3, "unread": 0}


@pytest.mark.parametrize(
    "payload",
    [{}, {"all": False}, {"ids": [1], "all": True}, {"ids": "x"}],
    ids=["nothing", "all-false", "both", "not-a-list"],
)
def test_mark_read_needs_ids_or_all(session_client, member, payload):
    notify(member)
    response = session_client(member).post(
        "/api/v1/notifications/read", payload, content_type="application/json"
    )
    assert "ids" in assert_error(response, 422, "invalid")["fields"]
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_mark_read_needs_a_write_token_and_login(client, member):
    notify(member)
    _token, secret = token_for(member, TokenScope.READ)
    response = client.post(
        "/api/v1/notifications/read",
        {"all": True},
        content_type="application/json",
        headers=bearer(secret),
    )
    assert_error(response, 403, "read_only_token")
    assert_error(client.get("/api/v1/notifications"), 401, "unauthenticated")
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_openapi_lists_the_notification_paths(client):
    paths = json.loads(client.get("/api/v1/openapi.json").content)["paths"]
    assert "get" in paths["/api/v1/notifications"]
    assert "post" in paths["/api/v1/notifications/read"]
