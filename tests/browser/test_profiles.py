"""In a real browser: a member edits their profile and adds expertise, and a
colleague endorses it."""

import pytest

from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    # The live server is another process: it only sees committed data. Serialized
    # rollback restores Wagtail's root page and the hub after the flush (STACK-NOTES trap 2).
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_member_adds_expertise_and_a_colleague_endorses_it(page, login):
    ann = UserFactory(username="ann", profile__display_name="Ann Expert")
    UserFactory(username="bob", profile__display_name="Bob Colleague")

    login("ann")
    page.goto("/people/me/edit/")
    assert page.get_by_role("heading", level=1).inner_text() == "Edit your profile"
    page.get_by_label("Job title").fill("Platform engineer")
    page.get_by_label("Expertise").fill("Kubernetes, machine learning")
    page.get_by_label("Show my phone number to colleagues").check()
    page.get_by_role("button", name="Save profile").click()
    page.wait_for_url("**/people/ann/")
    assert page.get_by_role("heading", level=1).inner_text() == "Ann Expert"
    expertise = page.locator("#expertise")
    assert expertise.get_by_role("link", name="Kubernetes").is_visible()
    assert page.get_by_text("Platform engineer").is_visible()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/**")

    login("bob")
    page.goto("/people/")
    page.get_by_role("list", name="People").get_by_role("link", name="Ann Expert").click()
    page.wait_for_url("**/people/ann/")
    page.get_by_role("button", name="Endorse Kubernetes").click()
    # htmx swaps the expertise section in place (a plain POST would reload the page).
    withdraw = page.get_by_role("button", name="Withdraw endorsement of Kubernetes")
    withdraw.wait_for()
    assert "1 endorsement" in page.locator("#expertise").inner_text()
    assert page.locator("#expertise").get_by_role("link", name="Bob Colleague").is_visible()
    assert ann.endorsements_received.get().endorser.username == "bob"
