"""The groups API: the directory, one group, join and leave, members; a secret
group never shows that it exists to those who may not know it."""

import pytest
from django.conf import settings
from django.test import Client

from groups.models import GroupInvitation, JoinRequest, Membership, Role, Visibility
from profiles.models import TokenScope
from tests.api.conftest import bearer, token_for
from tests.api.test_auth import assert_error
from tests.factories import GroupFactory, MembershipFactory, UserFactory
from tests.helpers import assert_constant_query_count

pytestmark = pytest.mark.django_db

# With no body at all, as `curl -X POST` sends it.
JSON = "application/json"


@pytest.fixture
def api(member, session_client):
    return session_client(member)


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


# --- the directory --------------------------------------------------------------------


def test_directory_lists_open_and_closed_groups_and_only_my_secret_ones(api, member):
    GroupFactory(name="Alpha", visibility=Visibility.OPEN)
    GroupFactory(name="Bravo", visibility=Visibility.CLOSED)
    GroupFactory(name="Charlie", visibility=Visibility.SECRET)
    mine = GroupFactory(name="Delta", visibility=Visibility.SECRET)
    MembershipFactory(group=mine, user=member)
    assert _names(api.get("/api/v1/groups")) == ["Alpha", "Bravo", "Delta"]


def test_directory_item_has_member_count_tags_and_whether_i_am_in(api, member):
    group = GroupFactory(name="Cycling", slug="cycling", description="Bikes")
    group.tags.add("sport", "bikes")
    MembershipFactory(group=group, user=member)
    MembershipFactory(group=group)
    item = api.get("/api/v1/groups").json()["items"][0]
    assert item == {
        "id": group.pk,
        "slug": "cycling",
        "name": "Cycling",
        "description": "Bikes",
        "visibility": "open",
        "tags": ["bikes", "sport"],
        "member_count": 2,
        "is_member": True,
        "archived": False,
        "created_at": item["created_at"],
    }


def test_directory_filters_by_words_visibility_and_mine(api, member):
    GroupFactory(name="Python guild", description="snakes")
    GroupFactory(name="Closed coders", visibility=Visibility.CLOSED)
    mine = GroupFactory(name="Runners")
    MembershipFactory(group=mine, user=member)
    assert _names(api.get("/api/v1/groups", {"q": "python"})) == ["Python guild"]
    assert _names(api.get("/api/v1/groups", {"visibility": "closed"})) == ["Closed coders"]
    assert _names(api.get("/api/v1/groups", {"mine": "true"})) == ["Runners"]


def test_directory_pages_with_a_cursor_and_every_group_once(api):
    for index in range(5):
        GroupFactory(name=f"Group {index}")
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get("/api/v1/groups", params).json()
        seen += [item["name"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"Group {index}" for index in range(5)]


def test_directory_query_count_does_not_grow_with_the_page(api, member):
    def grow():
        for _ in range(6):
            group = GroupFactory(visibility=Visibility.SECRET)
            group.tags.add("x", "y")
            MembershipFactory(group=group, user=member)
            MembershipFactory(group=group)

    grow()
    assert_constant_query_count(lambda: api.get("/api/v1/groups?limit=50"), grow)


@pytest.mark.parametrize(
    "params, field",
    [
        ({"visibility": "hidden"}, "visibility"),
        ({"limit": 0}, "limit"),
        ({"cursor": "!!"}, "cursor"),
    ],
)
def test_bad_directory_parameters_are_422_naming_the_field(api, params, field):
    error = assert_error(api.get("/api/v1/groups", params), 422, "invalid")
    assert field in error["fields"]


def test_unauthenticated_directory_is_401(client):
    assert_error(client.get("/api/v1/groups"), 401, "unauthenticated")


# --- one group ------------------------------------------------------------------------


def test_group_detail_tells_my_role_and_rights(api, member):
    group = GroupFactory(slug="team", visibility=Visibility.CLOSED)
    MembershipFactory(group=group, user=member, role=Role.ADMIN)
    body = api.get("/api/v1/groups/team").json()
    assert body["role"] == "admin"
    assert body["is_member"] is True
    assert body["member_count"] == 1
    assert body["may_read"] is True and body["may_post"] is True
    assert body["join_request_pending"] is False


def test_closed_group_detail_for_a_non_member_says_it_is_not_readable(api):
    GroupFactory(slug="board", visibility=Visibility.CLOSED)
    body = api.get("/api/v1/groups/board").json()
    assert body["role"] is None and body["may_read"] is False and body["may_post"] is False


def test_secret_group_answers_exactly_like_a_missing_one(api):
    GroupFactory(slug="hush", visibility=Visibility.SECRET)
    secret = api.get("/api/v1/groups/hush")
    missing = api.get("/api/v1/groups/nothing-here")
    assert_error(secret, 404, "not_found")
    assert secret.json() == missing.json()
    for path in ("members", "posts"):
        assert api.get(f"/api/v1/groups/hush/{path}").json() == missing.json()
    assert api.post("/api/v1/groups/hush/join", content_type=JSON).json() == missing.json()


def test_invited_member_sees_the_secret_group_and_joins_it(api, member):
    group = GroupFactory(slug="hush", visibility=Visibility.SECRET)
    GroupInvitation.objects.create(group=group, invitee=member)
    assert api.get("/api/v1/groups/hush").status_code == 200
    response = api.post("/api/v1/groups/hush/join", content_type=JSON)
    assert response.json() == {"state": "member", "role": "member"}
    assert Membership.objects.filter(group=group, user=member).exists()


# --- join and leave -------------------------------------------------------------------


def test_joining_an_open_group_makes_me_a_member(api, member):
    group = GroupFactory(slug="open")
    response = api.post("/api/v1/groups/open/join", content_type=JSON)
    assert response.status_code == 200
    assert response.json() == {"state": "member", "role": "member"}
    assert Membership.objects.filter(group=group, user=member).exists()


def test_joining_a_closed_group_asks_its_admins(api, member):
    group = GroupFactory(slug="closed", visibility=Visibility.CLOSED)
    response = api.post(
        "/api/v1/groups/closed/join", {"message": "Let me in"}, content_type="application/json"
    )
    assert response.json() == {"state": "requested", "role": None}
    request = JoinRequest.objects.get(group=group, user=member)
    assert request.message == "Let me in"
    assert not Membership.objects.filter(group=group, user=member).exists()
    assert api.get("/api/v1/groups/closed").json()["join_request_pending"] is True


def test_joining_twice_is_422(api, member):
    MembershipFactory(group=GroupFactory(slug="open"), user=member)
    assert_error(api.post("/api/v1/groups/open/join", content_type=JSON), 422, "invalid")


def test_leaving_ends_membership(api, member):
    group = GroupFactory(slug="open")
    MembershipFactory(group=group, user=member)
    response = api.post("/api/v1/groups/open/leave")
    assert response.status_code == 204
    assert not Membership.objects.filter(group=group, user=member).exists()


def test_the_only_owner_cannot_leave(api, member):
    MembershipFactory(group=GroupFactory(slug="mine"), user=member, role=Role.OWNER)
    assert_error(api.post("/api/v1/groups/mine/leave"), 422, "invalid")


def test_leaving_a_group_i_am_not_in_is_422(api):
    GroupFactory(slug="open")
    assert_error(api.post("/api/v1/groups/open/leave"), 422, "invalid")


def test_join_needs_the_csrf_token_on_a_session(member):
    GroupFactory(slug="open")
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert_error(client.post("/api/v1/groups/open/join", content_type=JSON), 403, "csrf_failed")
    client.get("/people/me/tokens/")  # sets the csrftoken cookie, as a page would
    csrf = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        "/api/v1/groups/open/join", content_type=JSON, headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 200


def test_read_token_may_not_join(client, member):
    GroupFactory(slug="open")
    _token, secret = token_for(member, TokenScope.READ)
    assert_error(
        client.post("/api/v1/groups/open/join", headers=bearer(secret)), 403, "read_only_token"
    )
    _token, secret = token_for(member, TokenScope.READ_WRITE)
    assert (
        client.post(
            "/api/v1/groups/open/join", content_type=JSON, headers=bearer(secret)
        ).status_code
        == 200
    )


# --- members --------------------------------------------------------------------------


def test_members_of_an_open_group_are_listed_with_their_role(api):
    group = GroupFactory(slug="open")
    owner = MembershipFactory(group=group, role=Role.OWNER).user
    body = api.get("/api/v1/groups/open/members").json()
    assert body["next_cursor"] is None
    assert body["items"] == [
        {
            "id": owner.pk,
            "username": owner.username,
            "display_name": owner.profile.display_name,
            "role": "owner",
            "joined_at": body["items"][0]["joined_at"],
        }
    ]


def test_members_of_a_closed_group_are_for_its_members_only(api, member):
    group = GroupFactory(slug="closed", visibility=Visibility.CLOSED)
    MembershipFactory(group=group)
    assert_error(api.get("/api/v1/groups/closed/members"), 403, "forbidden")
    MembershipFactory(group=group, user=member)
    assert len(api.get("/api/v1/groups/closed/members").json()["items"]) == 2


def test_members_page_with_a_cursor_and_every_member_once(api):
    group = GroupFactory(slug="open")
    memberships = [MembershipFactory(group=group) for _ in range(5)]
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get("/api/v1/groups/open/members", params).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(m.user_id for m in memberships)
    assert len(seen) == 5


def test_members_query_count_does_not_grow_with_the_page(api):
    group = GroupFactory(slug="open")

    def grow():
        for _ in range(6):
            MembershipFactory(group=group)

    grow()
    assert_constant_query_count(lambda: api.get("/api/v1/groups/open/members?limit=50"), grow)


def test_deactivated_members_are_not_listed(api):
    group = GroupFactory(slug="open")
    gone = UserFactory(is_active=False)
    MembershipFactory(group=group, user=gone)
    assert api.get("/api/v1/groups/open/members").json()["items"] == []
