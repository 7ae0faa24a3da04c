"""In a real browser: log in as the demo member, use the navigation in both languages,
and find no serious or critical accessibility violations (axe-core, WCAG 2.2 AA)."""

import json

import pytest

from community.seeding import DEMO_MEMBER, seed_demo
from tests.cms.factories import social_hub
from tests.conftest import AXE_SCRIPT

pytestmark = [
    pytest.mark.browser,
    # The live server is another process: it only sees committed data. Serialized
    # rollback restores Wagtail's root page and the hub after the flush (STACK-NOTES trap 2).
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MAIN_PAGES = ["/", "/groups/", "/people/", "/hub/", "/accounts/login/"]


def pages_to_audit() -> list[str]:
    """The main pages plus a group page, a question with answers, a hashtag page,
    search results (people and posts), a hub item with its share form and "My impact"."""
    from cms.models import ShareableItemPage
    from feed.models import Post
    from groups.models import Visibility

    post = (
        Post.objects.filter(group__visibility=Visibility.OPEN)
        .exclude(comments=None)
        .order_by("-is_question", "pk")
        .select_related("group")
        .first()
    )
    item = ShareableItemPage.objects.live().order_by("pk").first()
    return [
        *MAIN_PAGES,
        f"/groups/{post.group.slug}/",
        f"/posts/{post.pk}/",
        "/tags/python/",
        "/search/?q=python",
        "/search/?q=python&tab=post",
        item.url,
        "/hub/impact/",
        "/insights/leaders/",
    ]


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture
def demo_org():
    social_hub()  # an earlier transactional module may have flushed Wagtail's tree
    seed_demo(people=12, seed=5)


def serious_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def test_demo_member_logs_in_and_uses_the_navigation_in_english_and_dutch(demo_org, page, login):
    login(DEMO_MEMBER[0], DEMO_MEMBER[1])
    nav = page.get_by_role("navigation", name="Main")
    for label in ["Feed", "Groups", "People", "Hub", "Insights"]:
        assert nav.get_by_role("link", name=label).is_visible()
    nav.get_by_role("link", name="Groups").click()
    page.wait_for_url("**/groups/")
    assert page.get_by_role("heading", level=1).inner_text() == "Groups"

    page.get_by_label("Language").select_option("nl")
    page.get_by_role("button", name="Switch").click()
    page.wait_for_url("**/groups/")
    assert page.locator("html").get_attribute("lang") == "nl"
    nav = page.get_by_role("navigation", name="Hoofdmenu")
    for label in ["Tijdlijn", "Groepen", "Collega's", "Hub", "Inzichten"]:
        assert nav.get_by_role("link", name=label).is_visible()
    nav.get_by_role("link", name="Tijdlijn").click()
    page.wait_for_url(lambda url: url.endswith("/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Jouw tijdlijn"


def test_live_connection_state_is_shown_once_logged_in(demo_org, page, login):
    login(DEMO_MEMBER[0], DEMO_MEMBER[1])
    state = page.locator("#live-state")
    state.wait_for(state="visible")
    page.wait_for_function("document.getElementById('live-state').dataset.state === 'online'")
    assert state.inner_text() == "Live"


def test_keyboard_user_can_skip_to_the_main_content(demo_org, page, login):
    login(DEMO_MEMBER[0], DEMO_MEMBER[1])
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.bounding_box()["x"] >= 0  # shown when focused, not parked off-screen


@pytest.mark.parametrize("language", ["en", "nl"])
def test_main_pages_have_no_serious_accessibility_violations(demo_org, page, login, language):
    login(DEMO_MEMBER[0], DEMO_MEMBER[1])
    page.context.add_cookies([{"name": "django_language", "value": language, "url": page.url}])
    found = {}
    for path in pages_to_audit():
        if path == "/accounts/login/":
            page.context.clear_cookies()
            page.context.add_cookies(
                [{"name": "django_language", "value": language, "url": page.url}]
            )
        page.goto(path)
        violations = serious_violations(page)
        if violations:
            found[path] = violations
    assert not found, json.dumps(found, indent=2)


def test_narrow_screen_keeps_the_navigation_usable(demo_org, page, login):
    page.set_viewport_size({"width": 375, "height": 740})
    login(DEMO_MEMBER[0], DEMO_MEMBER[1])
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 375, "the page scrolls sideways on a phone"
    page.get_by_role("link", name="People").click()
    page.wait_for_url("**/people/")
