"""The search pages: results with reasons and facets, tabs that never count what
the member may not see, highlighted snippets that stay escaped, autocomplete,
participation events without query text, and the failure paths."""

import pytest
from django.test import override_settings

from feed.services import post_create
from groups.models import Visibility
from metrics.models import EventKind, ParticipationEvent
from profiles.services import endorsement_create, profile_expertise_set
from search.backends import get_search_backend
from search.models import SearchQueryStat
from search.services import outbox_drain
from tests.factories import DepartmentFactory, GroupFactory, MembershipFactory, UserFactory
from tests.helpers import assert_constant_query_count, closed_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client):
    user = UserFactory(username="viewer")
    client.force_login(user)
    return user


def _expert(name: str, tags: list[str], department=None):
    first, _, last = name.partition(" ")
    user = UserFactory(first_name=first, last_name=last)
    user.profile.display_name = name
    if department is not None:
        user.profile.department = department
    user.profile.save()
    profile_expertise_set(actor=user, profile=user.profile, names=tags)
    return user


def test_search_needs_a_login(client):
    response = client.get("/search/?q=kubernetes")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_empty_search_explains_what_to_type(client, member):
    response = client.get("/search/")
    assert response.status_code == 200
    assert "Find the colleague who knows" in response.content.decode()


def test_people_results_say_why_each_expert_is_suggested(client, member):
    expert = _expert("Anna de Vries", ["Kubernetes"])
    for _ in range(3):
        endorsement_create(actor=UserFactory(), endorsed=expert, tag_name="Kubernetes")
    outbox_drain()
    page = client.get("/search/?q=kubernetes").content.decode()
    assert "Anna de Vries" in page
    assert "tagged Kubernetes, 3 endorsements" in page


def test_department_facet_narrows_people_and_can_be_removed(client, member):
    platform, finance = DepartmentFactory(name="Platform"), DepartmentFactory(name="Finance")
    _expert("Anna Platform", ["Kubernetes"], platform)
    _expert("Bert Finance", ["Kubernetes"], finance)
    outbox_drain()
    response = client.get("/search/?q=kubernetes")
    facets = dict(response.context["facets"])
    links = {link["item"].label: link["href"] for link in facets["Department"]}
    assert set(links) == {"Platform", "Finance"}
    narrowed = client.get("/search/" + links["Finance"])
    names = [r.profile.display_name for r in narrowed.context["people"].results]
    assert names == ["Bert Finance"]
    selected = dict(narrowed.context["facets"])["Department"]
    drop = next(link for link in selected if link["item"].selected)
    assert "department" not in drop["href"]


def test_tab_counts_leave_out_secret_groups_entirely(client, member):
    secret = GroupFactory(name="Skunkworks", visibility=Visibility.SECRET)
    insider = UserFactory()
    MembershipFactory(group=secret, user=insider)
    post_create(actor=insider, group=secret, body="Quarterly roadmap for the zeppelin")
    post_create(actor=insider, body="Company zeppelin day photos")
    outbox_drain()
    response = client.get("/search/?q=zeppelin&tab=post")
    assert response.context["counts"]["post"] == 1
    page = response.content.decode()
    assert "Company zeppelin day" in page
    assert "Skunkworks" not in page and "roadmap" not in page


def test_snippets_highlight_matches_and_keep_user_text_escaped(client, member):
    post_create(actor=UserFactory(), body="Beware <script>alert(1)</script> in the zeppelin manual")
    outbox_drain()
    page = client.get("/search/?q=zeppelin&tab=post").content.decode()
    assert "<mark>zeppelin</mark>" in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_a_search_is_an_event_without_its_text_and_counted_in_aggregate(client, member):
    client.get("/search/?q=Kubernetes")
    client.get("/search/?q=kubernetes%20")
    client.get("/search/?q=kubernetes&tab=post")  # switching tab is the same search
    events = ParticipationEvent.objects.filter(kind=EventKind.SEARCH)
    assert events.count() == 2
    assert {event.actor_id for event in events} == {member.pk}
    stat = SearchQueryStat.objects.get()
    assert (stat.query, stat.count, stat.zero_results) == ("kubernetes", 2, 2)


def test_page_out_of_range_is_a_clear_400(client, member):
    response = client.get("/search/?q=x&page=abc")
    assert response.status_code == 400
    assert "does not exist" in response.content.decode()


def test_unknown_tab_falls_back_to_people(client, member):
    assert client.get("/search/?q=x&tab=secret").context["tab"] == "person"


def test_autocomplete_offers_people_first_then_groups_and_topics(client, member):
    _expert("Kube Master", ["Kubernetes"])
    GroupFactory(name="Kubernetes guild")
    outbox_drain()
    fragment = client.get("/search/suggest?q=kube").content.decode()
    assert fragment.index("Kube Master") < fragment.index("Kubernetes guild")
    assert "Topics" in fragment and "All results for" in fragment


def test_search_backend_down_gives_a_friendly_503_and_posting_still_works(client, member):
    settings_down = {
        "SEARCH_BACKEND": "search.backends.elasticsearch.ElasticsearchBackend",
        "ELASTICSEARCH_URL": f"http://127.0.0.1:{closed_port()}",
        "ELASTICSEARCH_TIMEOUT": 1,
    }
    get_search_backend.cache_clear()
    try:
        with override_settings(**settings_down):
            response = client.get("/search/?q=kubernetes")
            assert response.status_code == 503
            assert "Search is unavailable right now" in response.content.decode()
            suggest = client.get("/search/suggest?q=kube")
            assert "unavailable" in suggest.content.decode()
            created = client.post("/posts/new/", {"body": "Still posting while search is down"})
            assert created.status_code in (200, 302)
    finally:
        get_search_backend.cache_clear()


def test_people_results_page_has_constant_queries(client, member):
    department = DepartmentFactory(name="Platform")
    _expert("First Expert", ["Kubernetes"], department)
    outbox_drain()

    def grow():
        for index in range(5):
            expert = _expert(f"Expert {index}", ["Kubernetes", "Helm"], DepartmentFactory())
            endorsement_create(actor=UserFactory(), endorsed=expert, tag_name="Kubernetes")
        outbox_drain()

    assert_constant_query_count(lambda: client.get("/search/?q=kubernetes&tab=person"), grow)


def test_post_results_page_has_constant_queries(client, member):
    group = GroupFactory()
    MembershipFactory(group=group, user=member)
    post_create(actor=member, group=group, body="zeppelin one")
    outbox_drain()

    def grow():
        for index in range(5):
            post_create(actor=member, group=group, body=f"zeppelin {index}")
            post_create(actor=UserFactory(), body=f"zeppelin company {index}")
        outbox_drain()

    assert_constant_query_count(lambda: client.get("/search/?q=zeppelin&tab=post"), grow)
