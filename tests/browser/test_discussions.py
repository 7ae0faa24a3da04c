"""In a real browser: a closed group from creation to an accepted answer, and
hostile Markdown that never runs."""

import pytest

from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def switch_to(page, login, username):
    page.context.clear_cookies()
    login(username, TEST_PASSWORD)


def test_closed_group_from_creation_to_an_accepted_answer(page, login):
    UserFactory(username="olivia", first_name="Olivia", last_name="Owner")
    UserFactory(username="quentin", first_name="Quentin", last_name="Asker")

    login("olivia", TEST_PASSWORD)
    page.goto("/groups/")
    page.get_by_role("link", name="New group").click()
    page.get_by_label("Name").fill("IFRS 17 Programme")
    page.get_by_label("Description").fill("Everything about **IFRS 17**.")
    page.get_by_label("Closed: visible, members see content").check()
    page.get_by_role("button", name="Create group").click()
    page.wait_for_url("**/groups/ifrs-17-programme/")

    switch_to(page, login, "quentin")
    page.goto("/groups/ifrs-17-programme/")
    assert page.get_by_text("only members see its posts").is_visible()
    page.get_by_label("Message to the admins (optional)").fill("I book the contracts")
    page.get_by_role("button", name="Ask to join").click()
    assert page.get_by_text("Request sent").is_visible()

    switch_to(page, login, "olivia")
    page.goto("/groups/ifrs-17-programme/members/")
    page.get_by_role("button", name="Approve Quentin Asker").click()
    assert page.get_by_text("No open requests.").is_visible()

    switch_to(page, login, "quentin")
    page.goto("/groups/ifrs-17-programme/")
    page.get_by_label("Write a post in IFRS 17 Programme").fill(
        "How do we group onerous contracts? #ifrs17"
    )
    page.get_by_label("This is a question").check()
    page.get_by_role("button", name="Post", exact=True).click()
    page.wait_for_url("**/posts/*/")
    assert page.get_by_text("Question", exact=True).is_visible()
    post_url = page.url

    switch_to(page, login, "olivia")
    page.goto(post_url)
    page.get_by_label("Your answer").fill("By **portfolio** and annual cohort.")
    page.get_by_role("button", name="Comment").click()
    page.get_by_role("button", name="Mark as answer").click()
    assert page.get_by_text("Accepted answer").is_visible()
    assert page.get_by_text("Answered", exact=True).is_visible()


def test_hostile_markdown_never_runs_in_the_browser(page, login):
    UserFactory(username="mallory")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    login("mallory", TEST_PASSWORD)
    payload = (
        "<script>alert('script')</script> <img src=x onerror=alert('img')> "
        "[click](javascript:alert('link')) <svg onload=alert('svg')></svg> "
        "<details open ontoggle=alert('details')>"
    )
    page.get_by_label("Write a post for everyone").fill(payload)
    page.get_by_role("button", name="Post", exact=True).click()
    page.wait_for_url("**/posts/*/")
    page.get_by_text("click", exact=True).click()  # a javascript: link would alert here
    page.goto("/")
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.get_by_text("<script>alert('script')</script>").first.is_visible()
