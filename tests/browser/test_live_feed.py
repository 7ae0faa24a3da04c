"""Two members in two browsers: one posts, the other sees it arrive live, reacts,
and the first sees the reaction count change without reloading."""

import os

import pytest

from groups.models import Role, Visibility
from tests.conftest import daphne_server
from tests.factories import TEST_PASSWORD, GroupFactory, MembershipFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


def wait_online(page):
    page.wait_for_function("document.getElementById('live-state').dataset.state === 'online'")


def test_a_post_and_a_reaction_travel_live_between_two_members(chromium, asgi_live_server):
    # bypass_csp: wait_for_function compiles its predicate, which our CSP forbids
    # (tests/browser/test_csp.py checks the live badge with the policy enforced).
    group = GroupFactory(name="Platform Guild", slug="platform", visibility=Visibility.CLOSED)
    ann = MembershipFactory(group=group, role=Role.OWNER, user=UserFactory(username="ann")).user
    MembershipFactory(group=group, user=UserFactory(username="bob"))
    assert ann.username == "ann"

    ann_context = chromium.new_context(base_url=asgi_live_server, bypass_csp=True)
    bob_context = chromium.new_context(base_url=asgi_live_server, bypass_csp=True)
    try:
        ann_page, bob_page = ann_context.new_page(), bob_context.new_page()
        for page in (ann_page, bob_page):
            page.set_default_timeout(10_000)
        log_in(ann_page, "ann")
        log_in(bob_page, "bob")
        bob_page.goto("/groups/platform/")
        wait_online(bob_page)

        ann_page.goto("/groups/platform/")
        ann_page.get_by_label("Write a post in Platform Guild").fill("Cluster upgrade tonight")
        ann_page.get_by_role("button", name="Post", exact=True).click()
        ann_page.wait_for_url("**/posts/*/")
        wait_online(ann_page)

        live_bar = bob_page.get_by_role("button", name="1 new post: show")
        live_bar.wait_for(state="visible")  # arrived without a reload
        live_bar.click()
        bob_page.get_by_text("Cluster upgrade tonight").wait_for()
        bob_page.get_by_role("button", name="Like: 0").first.click()

        ann_page.get_by_role("button", name="Like: 1").wait_for()  # counted live
    finally:
        ann_context.close()
        bob_context.close()


def test_an_outsider_is_told_of_company_posts_but_never_of_secret_ones(chromium, asgi_live_server):
    GroupFactory(name="Inner Circle", slug="inner", visibility=Visibility.SECRET)
    from groups.models import Group

    MembershipFactory(
        group=Group.objects.get(slug="inner"),
        role=Role.OWNER,
        user=UserFactory(username="insider"),
    )
    UserFactory(username="outsider")
    insider_context = chromium.new_context(base_url=asgi_live_server, bypass_csp=True)
    outsider_context = chromium.new_context(base_url=asgi_live_server, bypass_csp=True)
    try:
        insider, outsider = insider_context.new_page(), outsider_context.new_page()
        for page in (insider, outsider):
            page.set_default_timeout(10_000)
        log_in(outsider, "outsider")
        wait_online(outsider)
        log_in(insider, "insider")

        insider.goto("/groups/inner/")
        insider.get_by_label("Write a post in Inner Circle").fill("secret plan")
        insider.get_by_role("button", name="Post", exact=True).click()
        insider.wait_for_url("**/posts/*/")
        insider.goto("/")
        insider.get_by_label("Write a post for everyone").fill("Cake in the canteen")
        insider.get_by_role("button", name="Post", exact=True).click()
        insider.wait_for_url("**/posts/*/")

        # Only the company-wide post is announced: one, not two.
        outsider.get_by_role("button", name="1 new post: show").wait_for()
        outsider.wait_for_timeout(300)
        assert outsider.get_by_role("button", name="1 new post: show").is_visible()
        outsider.get_by_role("button", name="1 new post: show").click()
        outsider.get_by_text("Cake in the canteen").wait_for()
        assert outsider.get_by_text("secret plan").count() == 0
    finally:
        insider_context.close()
        outsider_context.close()


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs real Redis (the PG/Redis leg)")
def test_two_daphne_processes_share_live_events_through_redis(
    chromium, asgi_live_server, django_db_blocker
):
    """Like the scale-out stack: the reader's socket is on one worker, the writer
    posts through another, and Redis carries the event across."""
    group = GroupFactory(name="Ops", slug="ops", visibility=Visibility.CLOSED)
    MembershipFactory(group=group, role=Role.OWNER, user=UserFactory(username="writer"))
    MembershipFactory(group=group, user=UserFactory(username="reader"))
    with daphne_server(django_db_blocker) as second_worker:
        reader_context = chromium.new_context(base_url=asgi_live_server, bypass_csp=True)
        writer_context = chromium.new_context(base_url=second_worker, bypass_csp=True)
        try:
            reader, writer = reader_context.new_page(), writer_context.new_page()
            for page in (reader, writer):
                page.set_default_timeout(10_000)
            log_in(reader, "reader")
            reader.goto("/groups/ops/")
            wait_online(reader)
            log_in(writer, "writer")
            writer.goto("/groups/ops/")
            writer.get_by_label("Write a post in Ops").fill("Failover drill at 3")
            writer.get_by_role("button", name="Post", exact=True).click()
            writer.wait_for_url("**/posts/*/")
            reader.get_by_role("button", name="1 new post: show").wait_for()
        finally:
            reader_context.close()
            writer_context.close()
