"""Discussion pages: flows through the views and constant query counts."""

import pytest

from feed import services
from feed.models import Post
from groups.models import Visibility
from tests.factories import (
    CommentFactory,
    GroupFactory,
    MembershipFactory,
    PostFactory,
    UserFactory,
)
from tests.helpers import assert_constant_query_count

pytestmark = pytest.mark.django_db


def test_group_page_query_count_is_the_same_for_5_and_20_posts(member, member_client):
    group = GroupFactory(slug="guild")
    MembershipFactory(group=group, user=member)

    def add_posts(count):
        for _ in range(count):
            post = PostFactory(group=group)
            CommentFactory(post=post)
            services.reaction_toggle(actor=UserFactory(), kind="like", post=post)

    add_posts(5)
    assert_constant_query_count(lambda: member_client.get("/groups/guild/"), lambda: add_posts(15))


def test_post_page_query_count_is_the_same_for_3_and_30_comments(member, member_client):
    post = PostFactory(group=GroupFactory(), is_question=True)

    def add_comments(count):
        for _ in range(count):
            comment = services.comment_create(actor=UserFactory(), post=post, body="an idea")
            services.comment_create(actor=UserFactory(), post=post, body="re", parent=comment)
            services.reaction_toggle(actor=member, kind="insightful", comment=comment)

    add_comments(3)
    assert_constant_query_count(
        lambda: member_client.get(f"/posts/{post.pk}/"), lambda: add_comments(27)
    )


def test_hashtag_page_query_count_is_constant(member, member_client):
    def add(count):
        for _ in range(count):
            services.post_create(actor=UserFactory(), body="#ifrs17 update")

    add(3)
    assert_constant_query_count(lambda: member_client.get("/tags/ifrs17/"), lambda: add(10))


def test_member_posts_from_the_feed_and_lands_on_the_post(member_client):
    response = member_client.post("/posts/new/", {"body": "Hello #everyone"}, follow=True)
    post = Post.objects.get()
    assert response.redirect_chain[-1][0] == f"/posts/{post.pk}/"
    assert "Hello" in response.content.decode()


def test_empty_post_shows_the_message_and_keeps_nothing(member_client):
    response = member_client.post("/posts/new/", {"body": " "}, follow=True)
    assert "This field is required." in response.content.decode()
    assert not Post.objects.exists()


def test_closed_group_flow_through_the_pages(member, member_client):
    owner = UserFactory()
    owner_client = member_client.__class__()
    owner_client.force_login(owner)
    owner_client.post(
        "/groups/new/", {"name": "IFRS Crew", "description": "Ledger talk", "visibility": "closed"}
    )
    page = member_client.get("/groups/ifrs-crew/").content.decode()
    assert "Ask to join" in page and "only members see its posts" in page
    member_client.post("/groups/ifrs-crew/join/", {"message": "Please"})
    members_page = owner_client.get("/groups/ifrs-crew/members/").content.decode()
    assert "Please" in members_page
    request_id = members_page.split("/requests/")[1].split("/")[0]
    owner_client.post(f"/groups/ifrs-crew/requests/{request_id}/approve/")
    response = member_client.post(
        "/posts/new/",
        {"body": "How do we book X?", "group": "ifrs-crew", "is_question": "on"},
        follow=True,
    )
    post = Post.objects.get()
    assert post.group.slug == "ifrs-crew" and post.is_question
    member_client.post(f"/posts/{post.pk}/comments/", {"body": "Like this"})
    answer_id = post.comments.get().pk
    owner_client.post(f"/posts/{post.pk}/accept/", {"comment": answer_id})
    post.refresh_from_db()
    assert post.accepted_comment_id == answer_id
    assert "Accepted answer" in member_client.get(f"/posts/{post.pk}/").content.decode()
    assert response.status_code == 200


def test_group_directory_filters_by_visibility_and_my_groups(member, member_client):
    GroupFactory(name="Open Alpha", visibility=Visibility.OPEN)
    closed = GroupFactory(name="Closed Beta", visibility=Visibility.CLOSED)
    MembershipFactory(group=closed, user=member)
    html = member_client.get("/groups/?visibility=closed").content.decode()
    assert "Closed Beta" in html and "Open Alpha" not in html
    html = member_client.get("/groups/?mine=on").content.decode()
    assert "Closed Beta" in html and "Open Alpha" not in html


def test_reacting_from_a_list_returns_to_the_list(member, member_client):
    post = PostFactory(group=None)
    response = member_client.post(f"/posts/{post.pk}/react/", {"kind": "like", "next": "/"})
    assert response["Location"] == "/"
    response = member_client.post(
        f"/posts/{post.pk}/react/", {"kind": "like", "next": "https://evil.example/"}
    )
    assert response["Location"] == f"/posts/{post.pk}/"


def test_feed_cards_show_the_latest_two_comments(member_client):
    post = PostFactory(group=None)
    for text in ["first thought", "second thought", "third thought"]:
        services.comment_create(actor=UserFactory(), post=post, body=text)
    html = member_client.get("/").content.decode()
    assert "second thought" in html and "third thought" in html
    assert "first thought" not in html
    assert html.index("second thought") < html.index("third thought")


def test_mentions_page_lists_posts_mentioning_me(member, member_client):
    services.post_create(actor=UserFactory(), body=f"Thanks @{member.username}!")
    services.post_create(actor=UserFactory(), body="Not about you")
    html = member_client.get("/mentions/").content.decode()
    assert "Thanks" in html and "Not about you" not in html


def test_mentions_page_query_count_is_constant(member, member_client):
    def mention(count):
        for _ in range(count):
            post = services.post_create(actor=UserFactory(), body=f"cc @{member.username}")
            services.comment_create(actor=UserFactory(), post=post, body="+1")

    mention(2)
    assert_constant_query_count(lambda: member_client.get("/mentions/"), lambda: mention(8))


def test_kudos_to_people_i_follow_show_on_my_feed(member, member_client):
    from profiles import services as profile_services
    from profiles.models import Follow

    colleague = UserFactory()
    Follow.objects.create(follower=member, followed=colleague)
    profile_services.kudos_create(
        actor=UserFactory(), receiver=colleague, category="helpful", message="Saved the demo"
    )
    assert "Saved the demo" in member_client.get("/").content.decode()


def test_group_page_lists_who_is_online(member, member_client):
    group = GroupFactory(slug="guild")
    MembershipFactory(group=group, user=member)
    online = MembershipFactory(
        group=group, user=UserFactory(first_name="Olga", last_name="Online")
    ).user
    MembershipFactory(group=group, user=UserFactory(first_name="Otto", last_name="Offline"))
    services.presence_touch(user_id=online.pk)
    html = member_client.get("/groups/guild/").content.decode()
    assert "Online now in this group" in html
    assert (
        "Olga Online" in html
        and "Otto Offline" not in html.split("online-heading")[1].split("</section>")[0]
    )


def test_top_ordering_puts_the_most_engaged_posts_of_the_week_first(member_client):
    import datetime as dt

    from django.utils import timezone

    quiet = PostFactory(group=None, body="quiet news")
    lively = PostFactory(
        group=None, body="lively debate", created_at=timezone.now() - dt.timedelta(days=1)
    )
    PostFactory(group=None, body="last month", created_at=timezone.now() - dt.timedelta(days=30))
    for _ in range(2):
        services.comment_create(actor=UserFactory(), post=lively, body="+1")
    services.reaction_toggle(actor=UserFactory(), kind="like", post=quiet)
    html = member_client.get("/?order=top").content.decode()
    assert html.index("lively debate") < html.index("quiet news")
    assert "last month" not in html
    newest = member_client.get("/").content.decode()
    assert newest.index("quiet news") < newest.index("lively debate")


def test_top_ordering_pages_without_repeats(member_client):
    for n in range(25):
        post = PostFactory(group=None, body=f"story {n:02d}")
        for _ in range(n % 3):
            services.reaction_toggle(actor=UserFactory(), kind="like", post=post)
    first = member_client.get("/?order=top")
    cursor = first.context["page"].next_cursor
    second = member_client.get(f"/?order=top&after={cursor}")
    ids = [p.pk for p in first.context["page"].items] + [p.pk for p in second.context["page"].items]
    assert len(ids) == len(set(ids)) == 25


def test_profile_posts_page_shows_only_what_the_viewer_may_read(member_client):
    author = UserFactory(username="prolific")
    secret = GroupFactory(visibility=Visibility.SECRET)
    MembershipFactory(group=secret, user=author)
    PostFactory(author=author, group=None, body="public thoughts")
    PostFactory(author=author, group=secret, body="secret thoughts")
    html = member_client.get("/people/prolific/posts/").content.decode()
    assert "public thoughts" in html and "secret thoughts" not in html
    assert "/people/prolific/posts/" in member_client.get("/people/prolific/").content.decode()
    assert member_client.get("/people/nobody-here/posts/").status_code == 404


def test_profile_posts_query_count_is_constant(member_client):
    author = UserFactory(username="steady")

    def write(count):
        for _ in range(count):
            services.comment_create(
                actor=UserFactory(), post=PostFactory(author=author, group=None), body="ok"
            )

    write(3)
    assert_constant_query_count(
        lambda: member_client.get("/people/steady/posts/"), lambda: write(10)
    )
