"""Scrolling to the end of a feed loads the next page into it (htmx), once."""

import pytest

from tests.factories import TEST_PASSWORD, PostFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_scrolling_to_the_end_loads_the_next_page_without_a_click(page, login):
    UserFactory(username="scroller")
    bodies = [f"Update number {n:02d}" for n in range(45)]
    for body in bodies:
        PostFactory(group=None, body=body)
    login("scroller", TEST_PASSWORD)
    articles = page.locator("#post-list > li")
    assert articles.count() == 20
    for expected in (40, 45):
        page.locator("#pager").scroll_into_view_if_needed()
        page.wait_for_function(f"document.querySelectorAll('#post-list > li').length >= {expected}")
    assert articles.count() == 45  # every post once, none twice
    shown = page.locator("#post-list .card__body").all_inner_texts()
    assert sorted(text.strip() for text in shown) == sorted(bodies)
    assert page.locator("#pager a").count() == 0  # the end: no more "Load more"
