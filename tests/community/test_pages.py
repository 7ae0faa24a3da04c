"""The main pages: right content for the viewer, empty states, constant query counts."""

import pytest

from groups.models import Visibility
from profiles.models import Profile
from tests.factories import (
    CommentFactory,
    GroupFactory,
    MembershipFactory,
    PostFactory,
    UserFactory,
)
from tests.helpers import assert_constant_query_count

pytestmark = pytest.mark.django_db


def test_navigation_marks_the_current_section(member_client):
    html = member_client.get("/groups/").content.decode()
    assert '<a href="/groups/" aria-current="page">Groups</a>' in html
    for label in ["Feed", "People", "Hub", "Insights"]:
        assert f">{label}</a>" in html


def test_feed_query_count_is_the_same_for_5_and_20_posts(member, member_client):
    def add_posts(count):
        group = GroupFactory()
        MembershipFactory(group=group, user=member)
        for _ in range(count):
            post = PostFactory(group=group)
            CommentFactory(post=post)

    add_posts(5)
    assert_constant_query_count(lambda: member_client.get("/"), lambda: add_posts(15))


def test_group_directory_query_count_is_the_same_for_5_and_20_groups(member_client):
    def add_groups(count):
        for _ in range(count):
            MembershipFactory(group=GroupFactory())

    add_groups(5)
    assert_constant_query_count(lambda: member_client.get("/groups/"), lambda: add_groups(15))


def test_people_directory_query_count_is_the_same_for_5_and_20_people(member_client):
    UserFactory.create_batch(5)
    assert_constant_query_count(
        lambda: member_client.get("/people/"), lambda: UserFactory.create_batch(15)
    )


def test_home_feed_is_my_groups_company_posts_and_people_i_follow(member, member_client):
    from profiles.models import Follow

    mine = GroupFactory(visibility=Visibility.OPEN)
    MembershipFactory(group=mine, user=member)
    elsewhere = GroupFactory(visibility=Visibility.OPEN)
    closed = GroupFactory(visibility=Visibility.CLOSED)
    followed = UserFactory()
    Follow.objects.create(follower=member, followed=followed)
    MembershipFactory(group=closed, user=followed)
    PostFactory(group=mine, body="in my group")
    PostFactory(group=None, body="company news")
    PostFactory(group=elsewhere, author=followed, body="by someone I follow")
    PostFactory(group=elsewhere, body="open group chatter")
    PostFactory(group=closed, author=followed, body="closed plans")
    html = member_client.get("/").content.decode()
    for shown in ["in my group", "company news", "by someone I follow"]:
        assert shown in html
    for hidden in ["open group chatter", "closed plans"]:
        assert hidden not in html


def test_empty_feed_invites_the_member_to_find_groups(member_client):
    html = member_client.get("/").content.decode()
    assert "Nothing here yet" in html
    assert 'href="/groups/"' in html


def test_group_directory_hides_secret_groups_from_non_members(member, member_client):
    GroupFactory(name="Skunkworks", visibility=Visibility.SECRET)
    mine = GroupFactory(name="Inner Circle", visibility=Visibility.SECRET)
    MembershipFactory(group=mine, user=member)
    html = member_client.get("/groups/").content.decode()
    assert "Skunkworks" not in html
    assert "Inner Circle" in html


def test_group_search_with_no_match_says_so(member_client):
    GroupFactory(name="Python Guild")
    html = member_client.get("/groups/?q=cobol").content.decode()
    assert "No groups match “cobol”." in html


def test_people_directory_pages_with_load_more(member_client):
    UserFactory.create_batch(25)
    first = member_client.get("/people/")
    assert len(first.context["page"].items) == 20
    next_url = f"/people/?after={first.context['page'].next_cursor}"
    second = member_client.get(next_url)
    names_first = {p.pk for p in first.context["page"].items}
    names_second = {p.pk for p in second.context["page"].items}
    assert not names_first & names_second
    assert len(names_first | names_second) == Profile.objects.count() == 26


def test_people_directory_leaves_out_deactivated_members(member_client):
    UserFactory(first_name="Gone", last_name="Away", is_active=False)
    assert "Gone Away" not in member_client.get("/people/").content.decode()


def test_tampered_cursor_gives_a_clear_400_page(member_client):
    response = member_client.get("/groups/?after=not-a-cursor")
    assert response.status_code == 400
    assert "This page link is no longer valid" in response.content.decode()


def test_insights_are_for_community_managers_only(member, member_client):
    response = member_client.get("/insights/")
    assert response.status_code == 403
    Profile.objects.filter(user=member).update(is_community_manager=True)
    response = member_client.get("/insights/")
    assert response.status_code == 200
    assert response.context["data"].headline.members == 1
