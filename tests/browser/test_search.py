"""A member finds the expert from the header box: suggestions while typing, then
the results page with the reasons, a facet and the posts tab."""

import pytest

from feed.services import post_create
from profiles.services import endorsement_create, profile_expertise_set
from tests.factories import TEST_PASSWORD, DepartmentFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_member_finds_the_kubernetes_expert_and_sees_why(page, login):
    platform = DepartmentFactory(name="Platform")
    expert = UserFactory(username="anna", first_name="Anna", last_name="de Vries")
    expert.profile.display_name = "Anna de Vries"
    expert.profile.department = platform
    expert.profile.save()
    profile_expertise_set(actor=expert, profile=expert.profile, names=["Kubernetes"])
    for _ in range(2):
        endorsement_create(actor=UserFactory(), endorsed=expert, tag_name="Kubernetes")
    post_create(actor=expert, body="Cluster upgrade notes #kubernetes")
    UserFactory(username="seeker")
    login("seeker", TEST_PASSWORD)

    page.get_by_label("Search people, groups, topics and posts").fill("kube")
    suggestions = page.locator("#header-search-suggestions")
    suggestions.get_by_role("link", name="Anna de Vries").wait_for()
    assert "Kubernetes" in suggestions.inner_text()

    page.get_by_label("Search people, groups, topics and posts").press("Enter")
    page.wait_for_url("**/search/?q=kube*")
    page.goto("/search/?q=kubernets")  # a typo: corrected, and the page says so
    assert "you typed “kubernets”" in page.locator(".search-correction").inner_text()
    card = page.locator(".expert-card").first
    assert "Anna de Vries" in card.inner_text()
    assert "tagged Kubernetes, 2 endorsements, 1 post on #Kubernetes" in card.inner_text()

    page.locator(".facet").get_by_role("link", name="Platform").click()
    page.wait_for_url("**department=*")
    assert page.locator(".expert-card").count() == 1

    page.get_by_role("link", name="Posts").click()
    assert "Cluster upgrade notes" in page.locator(".content-results").inner_text()
    assert page.locator(".content-results mark").count() >= 1
