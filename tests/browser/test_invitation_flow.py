"""In a real browser: a member creates a join link, a colleague opens it, joins,
and arrives at the first step of the guided start."""

import pytest

from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_from_a_join_link_to_the_first_onboarding_step(chromium, asgi_live_server, login, page):
    UserFactory(username="inviter", first_name="Ivo", last_name="Inviter")
    login("inviter", TEST_PASSWORD)
    page.goto("/invites/")
    page.get_by_role("button", name="Create link").click()
    link = page.locator("code.invite-link").inner_text()

    newcomer = chromium.new_context()
    try:
        tab = newcomer.new_page()
        tab.set_default_timeout(10_000)
        tab.goto(link)
        assert tab.get_by_text("Ivo Inviter invited you.").is_visible()
        tab.get_by_label("Work email address").fill("nina@buzz.example")
        tab.get_by_label("First name").fill("Nina")
        tab.get_by_label("Last name").fill("New")
        tab.get_by_label("Password", exact=True).fill("a-sturdy-passphrase-2026")
        tab.get_by_label("Password again").fill("a-sturdy-passphrase-2026")
        tab.get_by_role("button", name="Create my account").click()
        tab.wait_for_url("**/welcome/")
        assert tab.get_by_text("0 of 5 steps done.").is_visible()
        assert tab.get_by_role("heading", name="Add a photo").is_visible()
    finally:
        newcomer.close()
    page.goto("/invites/")
    assert page.get_by_text("Nina New").is_visible()
