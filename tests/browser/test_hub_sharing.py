"""From the Wagtail admin to a counted click: an editor publishes a hub item,
a member edits the LinkedIn text and shares, an outside visitor follows the
short link. External sites are stubbed: the browser never leaves 127.0.0.1."""

from urllib.parse import parse_qs, urlsplit

import pytest

from cms.models import ShareableItemPage, ShareClick, ShareLink
from tests.cms.factories import social_hub
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


OUTSIDE_BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/141.0 Safari/537.36"
)


def _stub_linkedin(context) -> None:
    context.route(
        "https://www.linkedin.com/**",
        lambda route: route.fulfill(status=200, body="stub", content_type="text/plain"),
    )


def test_editor_publishes_member_shares_and_a_click_is_counted(
    page, login, chromium, asgi_live_server
):
    UserFactory(username="editor", is_staff=True, is_superuser=True)
    UserFactory(username="sharer")
    hub = social_hub()

    login("editor", TEST_PASSWORD)
    page.goto(f"/cms-admin/pages/add/cms/shareableitempage/{hub.pk}/")
    page.locator("#id_title").fill("Join our data team")
    page.locator("#id_kind").select_option("vacancy")
    page.locator("#id_canonical_url").fill("https://www.example.com/jobs/data")
    page.locator("#id_share_text_linkedin").fill("We are hiring data engineers.")
    page.evaluate(
        "() => { const slug = document.querySelector('#id_slug');"
        " if (slug && !slug.value) { slug.value = 'join-our-data-team'; } }"
    )
    page.evaluate("() => document.querySelector('button[name=\"action-publish\"]').click()")
    page.get_by_text("created and published").wait_for()
    item = ShareableItemPage.objects.get(title="Join our data team")
    assert item.live

    member = chromium.new_context(base_url=asgi_live_server, locale="en-GB")
    _stub_linkedin(member)
    tab = member.new_page()
    tab.goto("/accounts/login/")
    tab.get_by_label("Username").fill("sharer")
    tab.get_by_label("Password").fill(TEST_PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url("**/")
    tab.goto("/hub/")
    tab.get_by_role("link", name="Join our data team").click()
    text = tab.get_by_label("Your text")
    assert text.input_value() == "We are hiring data engineers."
    text.fill("My team is hiring! Come work with me.")
    with member.expect_page() as popup_info:
        tab.get_by_role("button", name="Share").click()
    popup = popup_info.value
    popup.wait_for_url("https://www.linkedin.com/**")
    shared = urlsplit(popup.url)
    assert (shared.netloc, shared.path) == ("www.linkedin.com", "/sharing/share-offsite/")
    short = parse_qs(shared.query)["url"][0]
    link = ShareLink.objects.get()
    assert short.endswith(f"/s/{link.code}")
    assert (link.shared_text, link.edited) == ("My team is hiring! Come work with me.", True)
    member.close()

    # The outside visitor's browser, at the HTTP level (the redirect is not
    # followed: the public page is not ours to load in a test).
    visitor = chromium.new_context(user_agent=OUTSIDE_BROWSER)
    for _ in range(2):  # the same visitor twice
        response = visitor.request.get(short, max_redirects=0)
        assert response.status == 302
    landed = urlsplit(response.headers["location"])
    assert (landed.netloc, landed.path) == ("www.example.com", "/jobs/data")
    assert parse_qs(landed.query)["utm_source"] == ["linkedin"]
    visitor.close()
    assert ShareClick.objects.filter(link=link).count() == 1
