"""Following colleagues and endorsing their expertise through the API: the
profiles services' rules, write scope for tokens, IDOR as 404."""

import json

import pytest
from django.test import Client

from profiles.models import Endorsement, Follow, TokenScope
from profiles.services import profile_expertise_set
from tests.api.conftest import bearer, token_for
from tests.api.test_auth import assert_error
from tests.factories import UserFactory
from tests.helpers import assert_constant_query_count
from tests.profiles.factories import EndorsementFactory, FollowFactory

pytestmark = pytest.mark.django_db


def deactivated():
    user = UserFactory()
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


def expert(*tags: str):
    user = UserFactory()
    profile_expertise_set(actor=user, profile=user.profile, names=list(tags))
    return user


# --- follows ------------------------------------------------------------------------------


def test_follow_and_unfollow_a_colleague(session_client, member):
    anna = UserFactory()
    client = session_client(member)
    response = client.post(f"/api/v1/people/{anna.username}/follow")
    assert response.status_code == 200, response.content
    assert response.json() == {"username": anna.username, "following": True}
    # Twice is the same as once.
    assert client.post(f"/api/v1/people/{anna.username}/follow").status_code == 200
    assert Follow.objects.filter(follower=member, followed=anna).count() == 1
    profile = client.get(f"/api/v1/people/{anna.username}").json()
    assert profile["followed_by_me"] is True and profile["follower_count"] == 1
    response = client.delete(f"/api/v1/people/{anna.username}/follow")
    assert response.json() == {"username": anna.username, "following": False}
    assert not Follow.objects.exists()


def test_following_yourself_is_a_422(session_client, member):
    response = session_client(member).post(f"/api/v1/people/{member.username}/follow")
    assert_error(response, 422, "invalid")
    assert not Follow.objects.exists()


def test_following_a_deactivated_or_unknown_member_is_404(session_client, member):
    client = session_client(member)
    assert_error(client.post(f"/api/v1/people/{deactivated().username}/follow"), 404, "not_found")
    assert_error(client.post("/api/v1/people/nobody/follow"), 404, "not_found")
    assert not Follow.objects.exists()


def test_a_read_token_may_not_follow(client, member):
    _token, secret = token_for(member, TokenScope.READ)
    anna = UserFactory()
    response = client.post(f"/api/v1/people/{anna.username}/follow", headers=bearer(secret))
    assert_error(response, 403, "read_only_token")
    assert not Follow.objects.exists()


def test_a_write_token_follows_without_csrf(member):
    _token, secret = token_for(member, TokenScope.READ_WRITE)
    anna = UserFactory()
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/api/v1/people/{anna.username}/follow", headers=bearer(secret))
    assert response.status_code == 200
    assert Follow.objects.filter(follower=member, followed=anna).exists()


def test_a_session_follow_needs_the_csrf_token(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    anna = UserFactory()
    assert_error(client.post(f"/api/v1/people/{anna.username}/follow"), 403, "csrf_failed")


def test_followers_and_following_list_active_colleagues_newest_first(session_client, member):
    anna = UserFactory()
    first, second = UserFactory(), UserFactory()
    FollowFactory(follower=first, followed=anna)
    FollowFactory(follower=second, followed=anna)
    FollowFactory(follower=deactivated(), followed=anna)
    FollowFactory(follower=anna, followed=first)
    client = session_client(member)
    followers = client.get(f"/api/v1/people/{anna.username}/followers").json()
    assert [p["username"] for p in followers["items"]] == [second.username, first.username]
    assert followers["items"][0]["since"]
    following = client.get(f"/api/v1/people/{anna.username}/following").json()
    assert [p["username"] for p in following["items"]] == [first.username]


def test_follow_lists_page_by_cursor(session_client, member):
    anna = UserFactory()
    for _ in range(3):
        FollowFactory(followed=anna)
    client = session_client(member)
    first = client.get(f"/api/v1/people/{anna.username}/followers", {"limit": 2}).json()
    rest = client.get(
        f"/api/v1/people/{anna.username}/followers", {"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert len(first["items"]) == 2 and len(rest["items"]) == 1
    assert rest["next_cursor"] is None
    bad = client.get(f"/api/v1/people/{anna.username}/followers", {"cursor": "x"})
    assert "cursor" in assert_error(bad, 422, "invalid")["fields"]


@pytest.mark.parametrize("which", ["followers", "following"])
def test_follow_list_query_count_does_not_grow(session_client, member, which):
    anna = UserFactory()

    def grow():
        for _ in range(5):
            if which == "followers":
                FollowFactory(followed=anna)
            else:
                FollowFactory(follower=anna)

    grow()
    client = session_client(member)
    assert_constant_query_count(lambda: client.get(f"/api/v1/people/{anna.username}/{which}"), grow)


def test_follow_lists_of_a_deactivated_member_are_404(session_client, member):
    gone = deactivated()
    assert_error(
        session_client(member).get(f"/api/v1/people/{gone.username}/followers"), 404, "not_found"
    )


# --- endorsements ---------------------------------------------------------------------------


def test_endorse_a_listed_tag_then_again_is_the_same_endorsement(session_client, member):
    anna = expert("Kubernetes")
    client = session_client(member)
    url = f"/api/v1/people/{anna.username}/endorsements"
    response = client.post(url, {"tag": "kubernetes"}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["tag"] == "Kubernetes" and body["endorser"]["username"] == member.username
    again = client.post(url, {"tag": "Kubernetes"}, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert Endorsement.objects.count() == 1


@pytest.mark.parametrize(
    "payload", [{"tag": "Cobol"}, {"tag": ""}, {}], ids=["unlisted", "empty", "missing"]
)
def test_endorsing_what_is_not_listed_or_nothing_is_a_422(session_client, member, payload):
    anna = expert("Kubernetes")
    response = session_client(member).post(
        f"/api/v1/people/{anna.username}/endorsements", payload, content_type="application/json"
    )
    assert_error(response, 422, "invalid")
    assert not Endorsement.objects.exists()


def test_endorsing_yourself_is_a_422(session_client):
    me = expert("Kubernetes")
    response = session_client(me).post(
        f"/api/v1/people/{me.username}/endorsements",
        {"tag": "Kubernetes"},
        content_type="application/json",
    )
    assert_error(response, 422, "invalid")


def test_endorsing_a_deactivated_member_is_404(session_client, member):
    gone = expert("Kubernetes")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    response = session_client(member).post(
        f"/api/v1/people/{gone.username}/endorsements",
        {"tag": "Kubernetes"},
        content_type="application/json",
    )
    assert_error(response, 404, "not_found")


def test_a_read_token_may_not_endorse(client, member):
    anna = expert("Kubernetes")
    _token, secret = token_for(member, TokenScope.READ)
    response = client.post(
        f"/api/v1/people/{anna.username}/endorsements",
        {"tag": "Kubernetes"},
        content_type="application/json",
        headers=bearer(secret),
    )
    assert_error(response, 403, "read_only_token")


def test_endorsement_list_shows_active_endorsers_newest_first(session_client, member):
    anna = expert("Kubernetes")
    old = EndorsementFactory(endorsed=anna, tag_name="Kubernetes")
    new = EndorsementFactory(endorsed=anna, tag_name="Kubernetes")
    hidden = EndorsementFactory(endorsed=anna, tag_name="Kubernetes")
    hidden.endorser.is_active = False
    hidden.endorser.save(update_fields=["is_active"])
    body = session_client(member).get(f"/api/v1/people/{anna.username}/endorsements").json()
    assert [e["id"] for e in body["items"]] == [new.pk, old.pk]
    assert body["items"][0]["tag"] == "Kubernetes"


def test_endorsement_list_query_count_does_not_grow(session_client, member):
    anna = expert("Kubernetes", "Go")

    def grow():
        for n in range(5):
            EndorsementFactory(endorsed=anna, tag_name="Go" if n % 2 else "Kubernetes")

    grow()
    client = session_client(member)
    assert_constant_query_count(
        lambda: client.get(f"/api/v1/people/{anna.username}/endorsements"), grow
    )


def test_withdraw_my_endorsement(session_client, member):
    anna = expert("Kubernetes")
    mine = EndorsementFactory(endorser=member, endorsed=anna, tag_name="Kubernetes")
    response = session_client(member).delete(
        f"/api/v1/people/{anna.username}/endorsements/{mine.pk}"
    )
    assert response.status_code == 204
    assert not Endorsement.objects.exists()


def test_withdrawing_someone_elses_endorsement_is_404_and_keeps_it(session_client, member):
    anna = expert("Kubernetes")
    theirs = EndorsementFactory(endorsed=anna, tag_name="Kubernetes")
    client = session_client(member)
    assert_error(
        client.delete(f"/api/v1/people/{anna.username}/endorsements/{theirs.pk}"), 404, "not_found"
    )
    # Nor under another member's name, nor an id that does not exist.
    mine = EndorsementFactory(endorser=member, endorsed=anna, tag_name="Kubernetes")
    other = UserFactory()
    assert_error(
        client.delete(f"/api/v1/people/{other.username}/endorsements/{mine.pk}"), 404, "not_found"
    )
    assert_error(
        client.delete(f"/api/v1/people/{anna.username}/endorsements/999999"), 404, "not_found"
    )
    assert Endorsement.objects.count() == 2


def test_openapi_lists_follow_and_endorsement_paths(client):
    paths = json.loads(client.get("/api/v1/openapi.json").content)["paths"]
    assert {"post", "delete"} <= set(paths["/api/v1/people/{username}/follow"])
    assert {"get", "post"} <= set(paths["/api/v1/people/{username}/endorsements"])
    assert "delete" in paths["/api/v1/people/{username}/endorsements/{endorsement_id}"]
    assert "/api/v1/people/{username}/followers" in paths
    assert "/api/v1/people/{username}/following" in paths
