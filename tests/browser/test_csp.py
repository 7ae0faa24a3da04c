"""In a real browser with our Content Security Policy enforced (the other
browser tests bypass it to inject axe-core): the pages' own scripts run, the
live socket connects, charts draw, and the browser reports no violation."""

import time

import pytest

from community.seeding import DEMO_ADMIN, seed_demo
from tests.cms.factories import social_hub

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def demo_org():
    social_hub()
    seed_demo(people=12, seed=5)


def _eventually(page, expression: str, seconds: float = 10.0) -> bool:
    # page.evaluate runs outside the page's CSP; wait_for_function would need eval.
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if page.evaluate(expression):
            return True
        page.wait_for_timeout(100)
    return False


def test_pages_work_under_the_content_security_policy(demo_org, chromium, asgi_live_server):
    context = chromium.new_context(base_url=asgi_live_server, locale="en-GB")
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and violations.append(message.text)
        ),
    )
    try:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(DEMO_ADMIN[0])
        page.get_by_label("Password").fill(DEMO_ADMIN[1])
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/")
        assert _eventually(page, "document.getElementById('live-state').dataset.state === 'online'")
        page.goto("/insights/")
        assert _eventually(
            page,
            "[...document.querySelectorAll('canvas[data-chart]')].every(c => Chart.getChart(c))",
        )
        for path in ["/groups/", "/people/", "/hub/", "/search/?q=python", "/insights/leaders/"]:
            page.goto(path)
        assert page.evaluate("typeof htmx") == "object"
    finally:
        context.close()
    assert not violations, violations
