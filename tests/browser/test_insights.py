"""In a real browser: the insights dashboard draws every chart with Chart.js
(served from our static files, no CDN), shows the tables beside them, and has
no serious accessibility violations."""

import json

import pytest

from community.seeding import DEMO_ADMIN, seed_demo
from tests.browser.test_navigation import serious_violations
from tests.cms.factories import social_hub

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def demo_org():
    social_hub()
    seed_demo(people=12, seed=5)


def test_dashboard_draws_every_chart_beside_its_table(demo_org, page, login, asgi_live_server):
    errors, outside = [], []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on(
        "request",
        lambda request: (
            not request.url.startswith(asgi_live_server) and outside.append(request.url)
        ),
    )
    login(DEMO_ADMIN[0], DEMO_ADMIN[1])
    page.goto("/insights/")
    page.wait_for_function("typeof Chart !== 'undefined'")
    drawn = page.evaluate(
        """() => [...document.querySelectorAll('canvas[data-chart]')].map(canvas => [
            canvas.dataset.chart, Boolean(Chart.getChart(canvas)), canvas.width > 0])"""
    )
    assert drawn and all(chart and wide for _key, chart, wide in drawn), drawn
    keys = {key for key, _chart, _wide in drawn}
    assert {"daily-active", "pyramid", "funnel", "departments", "invites"} <= keys
    pyramid = page.get_by_role("region", name="Participation pyramid")
    assert pyramid.get_by_role("row", name="Creators").is_visible()
    assert not errors, errors
    assert not outside, outside
    violations = serious_violations(page)
    assert not violations, json.dumps(violations, indent=2)


def test_month_picker_shows_last_month_with_report_links(demo_org, page, login):
    login(DEMO_ADMIN[0], DEMO_ADMIN[1])
    page.goto("/insights/")
    picker = page.get_by_label("Period")
    last_month = picker.locator("option").nth(1).get_attribute("value")
    picker.select_option(last_month)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**/insights/?month={last_month}")
    assert page.get_by_role("link", name="PDF").get_attribute("href") == (
        f"/insights/reports/{last_month}.pdf"
    )
