"""The people API: the directory, expert search and profiles, with the
profile page's privacy rules and deactivated members as 404."""

import json

import pytest

from groups.models import Visibility
from metrics.models import EventKind, ParticipationEvent
from profiles.services import profile_expertise_set
from search.services import outbox_drain
from tests.api.test_auth import assert_error
from tests.factories import DepartmentFactory, GroupFactory, MembershipFactory, UserFactory
from tests.helpers import assert_constant_query_count
from tests.profiles.factories import EndorsementFactory

pytestmark = pytest.mark.django_db


def named(display_name: str, **kwargs):
    user = UserFactory(**kwargs)
    user.profile.display_name = display_name
    user.profile.save(update_fields=["display_name"])
    return user


# --- the directory ------------------------------------------------------------------------


def test_directory_lists_active_colleagues_by_name_with_their_expertise(session_client, member):
    anna = named("Anna de Vries", profile__department=DepartmentFactory(name="Marketing"))
    profile_expertise_set(actor=anna, profile=anna.profile, names=["Kubernetes"])
    gone = named("Aaron Gone")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    body = session_client(member).get("/api/v1/people").json()
    names = [person["display_name"] for person in body["items"]]
    assert "Anna de Vries" in names and "Aaron Gone" not in names
    anna_row = next(p for p in body["items"] if p["username"] == anna.username)
    assert anna_row["department"]["name"] == "Marketing"
    assert anna_row["expertise"] == ["Kubernetes"]


def test_directory_filters_on_name_prefix_and_department(session_client, member):
    marketing = DepartmentFactory(name="Marketing")
    anna = named("Anna de Vries", profile__department=marketing)
    named("Annabel Smit")
    named("Vera Anders", profile__department=marketing)
    client = session_client(member)
    by_prefix = client.get("/api/v1/people", {"q": "ann"}).json()["items"]
    assert {p["display_name"] for p in by_prefix} == {"Anna de Vries", "Annabel Smit"}
    # A word inside the name counts too; the middle of a word does not.
    assert [p["username"] for p in client.get("/api/v1/people", {"q": "vri"}).json()["items"]] == [
        anna.username
    ]
    assert not client.get("/api/v1/people", {"q": "nders"}).json()["items"]
    in_marketing = client.get("/api/v1/people", {"department": "marketing"}).json()["items"]
    assert {p["display_name"] for p in in_marketing} == {"Anna de Vries", "Vera Anders"}


def test_directory_hides_a_hidden_location(session_client, member):
    hidden = named("Hidden Location")
    hidden.profile.location_visible = False
    hidden.profile.save(update_fields=["location_visible"])
    items = session_client(member).get("/api/v1/people", {"q": "hidden"}).json()["items"]
    assert items[0]["location"] is None
    assert "Amsterdam" not in json.dumps(items)


def test_directory_pages_by_cursor_without_overlap(session_client, member):
    for n in range(5):
        named(f"Zed {n}")
    client = session_client(member)
    first = client.get("/api/v1/people", {"q": "zed", "limit": 3}).json()
    second = client.get(
        "/api/v1/people", {"q": "zed", "limit": 3, "cursor": first["next_cursor"]}
    ).json()
    assert [p["display_name"] for p in first["items"] + second["items"]] == [
        f"Zed {n}" for n in range(5)
    ]
    assert second["next_cursor"] is None


def test_directory_query_count_does_not_grow_with_the_page(session_client, member):
    client = session_client(member)

    def grow():
        for n in range(6):
            user = named(f"Extra {n}", profile__department=DepartmentFactory(name=f"Dept {n}"))
            profile_expertise_set(actor=user, profile=user.profile, names=[f"Skill {n}"])

    named("Extra start")
    assert_constant_query_count(lambda: client.get("/api/v1/people", {"limit": 50}), grow)


@pytest.mark.parametrize(
    "params,field",
    [({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"cursor": "nonsense"}, "cursor")],
)
def test_directory_refuses_bad_parameters_with_422(session_client, member, params, field):
    error = assert_error(session_client(member).get("/api/v1/people", params), 422, "invalid")
    assert field in error["fields"]


def test_directory_needs_authentication(client):
    assert_error(client.get("/api/v1/people"), 401, "unauthenticated")


# --- expert search -------------------------------------------------------------------------


def test_expert_search_finds_the_expert_with_reasons_and_records_a_search(session_client, member):
    expert = named("Kim Expert")
    profile_expertise_set(actor=expert, profile=expert.profile, names=["Kubernetes"])
    EndorsementFactory(endorsed=expert, tag_name="Kubernetes")
    named("Nobody Special")
    outbox_drain()  # the search task counts the expertise the ranking reads
    response = session_client(member).get("/api/v1/people/search", {"q": "kubernetes"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"] >= 1 and body["page"] == 1
    top = body["items"][0]
    assert top["person"]["username"] == expert.username
    assert any("Kubernetes" in reason for reason in top["reasons"])
    assert "Kubernetes" in top["tags"]
    assert ParticipationEvent.objects.filter(actor=member, kind=EventKind.SEARCH).exists()


def test_expert_search_never_shows_a_hidden_location(session_client, member):
    expert = named("Lou Hidden")
    expert.profile.location_visible = False
    expert.profile.save(update_fields=["location_visible"])
    profile_expertise_set(actor=expert, profile=expert.profile, names=["Kubernetes"])
    outbox_drain()
    body = session_client(member).get("/api/v1/people/search", {"q": "kubernetes"}).json()
    assert body["items"][0]["person"]["location"] is None


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "x", "page": 0}, {"q": "x", "page": 51}])
def test_expert_search_refuses_bad_parameters_with_422(session_client, member, params):
    assert_error(session_client(member).get("/api/v1/people/search", params), 422, "invalid")


def test_expert_search_query_count_does_not_grow_with_the_results(session_client, member):
    client = session_client(member)

    def add_experts(count):
        for n in range(count):
            user = named(f"Kube Person {n}")
            profile_expertise_set(actor=user, profile=user.profile, names=["Kubernetes"])
            EndorsementFactory(endorsed=user, tag_name="Kubernetes")
        outbox_drain()

    add_experts(2)
    assert_constant_query_count(
        lambda: client.get("/api/v1/people/search", {"q": "kubernetes"}),
        lambda: add_experts(5),
    )


# --- one profile -------------------------------------------------------------------------


def test_profile_shows_what_the_page_shows(session_client, member):
    anna = named("Anna de Vries", profile__department=DepartmentFactory(name="Marketing"))
    anna.profile.is_community_manager = True
    anna.profile.about = "I *love* kubernetes"
    anna.profile.save()
    profile_expertise_set(actor=anna, profile=anna.profile, names=["Kubernetes", "Go"])
    EndorsementFactory(endorser=member, endorsed=anna, tag_name="Kubernetes")
    body = session_client(member).get(f"/api/v1/people/{anna.username}").json()
    assert body["display_name"] == "Anna de Vries"
    assert body["email"] == anna.email
    assert body["roles"] == ["community_manager"]
    assert body["is_me"] is False and body["followed_by_me"] is False
    assert body["expertise"][0] == {
        "tag": "Kubernetes",
        "endorsement_count": 1,
        "endorsed_by_me": True,
    }
    assert "<em>love</em>" in body["about_html"]


def test_profile_hides_phone_and_location_from_colleagues_as_the_page_does(session_client, member):
    anna = named("Anna Private")
    anna.profile.phone = "+31 6 1234 5678"
    anna.profile.phone_visible = False
    anna.profile.location_visible = False
    anna.profile.save()
    seen = session_client(member).get(f"/api/v1/people/{anna.username}").json()
    assert seen["phone"] is None and seen["location"] is None
    assert "1234" not in json.dumps(seen) and "Amsterdam" not in json.dumps(seen)
    own = session_client(anna).get(f"/api/v1/people/{anna.username}").json()
    assert own["phone"] == "+31 6 1234 5678" and own["location"] == "Amsterdam"
    assert own["is_me"] is True


def test_profile_shows_a_phone_the_member_chose_to_show(session_client, member):
    anna = named("Anna Public")
    anna.profile.phone = "+31 6 0000 1111"
    anna.profile.phone_visible = True
    anna.profile.save()
    body = session_client(member).get(f"/api/v1/people/{anna.username}").json()
    assert body["phone"] == "+31 6 0000 1111" and body["location"] == "Amsterdam"


def test_profile_never_names_a_secret_group_to_an_outsider(session_client, member):
    anna = UserFactory()
    secret = GroupFactory(name="Project Falcon", visibility=Visibility.SECRET)
    open_group = GroupFactory(name="Runners")
    MembershipFactory(group=secret, user=anna)
    MembershipFactory(group=open_group, user=anna)
    body = session_client(member).get(f"/api/v1/people/{anna.username}").json()
    assert [g["name"] for g in body["groups"]] == ["Runners"]
    assert "Falcon" not in json.dumps(body)


def test_unknown_and_deactivated_members_are_404_alike(session_client, member):
    gone = UserFactory()
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    client = session_client(member)
    assert_error(client.get(f"/api/v1/people/{gone.username}"), 404, "not_found")
    assert_error(client.get("/api/v1/people/no-such-person"), 404, "not_found")


def test_openapi_lists_the_people_paths(client):
    paths = json.loads(client.get("/api/v1/openapi.json").content)["paths"]
    for path in ["/api/v1/people", "/api/v1/people/search", "/api/v1/people/{username}"]:
        assert path in paths
    assert paths["/api/v1/people/{username}"]["get"]["responses"]["404"]["content"][
        "application/json"
    ]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}


def test_expert_search_says_when_facets_count_only_the_best_matches(
    session_client, member, monkeypatch
):
    from search import selectors

    # Shallow reading (as tests/search/test_expertise_bounds.py): a handful of
    # holders behaves like a skill with thousands.
    monkeypatch.setattr(selectors, "PEOPLE_PAGE", 2)
    monkeypatch.setattr(selectors, "BOUND_DEPTH", 1)
    for n in range(8):
        user = named(f"Kube Person {n}")
        profile_expertise_set(actor=user, profile=user.profile, names=["Kubernetes"])
        for _ in range(n):
            EndorsementFactory(endorsed=user, tag_name="Kubernetes")
    outbox_drain()
    client = session_client(member)
    body = client.get("/api/v1/people/search", {"q": "kubernetes"}).json()
    assert body["total"] == 8
    assert body["facets_among"] is not None and 2 <= body["facets_among"] <= body["total"]
    assert sum(value["count"] for value in body["facets"]["tag"]) <= body["facets_among"]
    narrowed = client.get("/api/v1/people/search", {"q": "kubernetes", "tag": "Kubernetes"})
    assert narrowed.json()["facets_among"] is None  # a selected facet counts everyone
