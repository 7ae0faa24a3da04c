"""What the home feed loads (issue 11, B3): the kudos strip and the comment
previews load only what they show, and the JSON feed skips the previews."""

import pytest
from django.test import Client

from feed import services
from profiles import services as profile_services
from profiles.models import Follow
from tests.factories import CommentFactory, PostFactory, UserFactory
from tests.helpers import assert_constant_query_count, count_queries

pytestmark = pytest.mark.django_db


def _give_kudos(member, count: int) -> None:
    for n in range(count):
        colleague = UserFactory()
        colleague.profile.display_name = f"Colleague <{n}>"
        colleague.profile.save()
        Follow.objects.create(follower=member, followed=colleague)
        profile_services.kudos_create(
            actor=UserFactory(), receiver=colleague, category="helpful", message=f"Thanks {n}"
        )


def test_kudos_strip_shows_names_and_costs_one_query_whatever_its_length(member, member_client):
    """The strip's query loads only the names it shows: a name read from a
    deferred field would cost a query per kudos and fail this."""
    _give_kudos(member, 1)
    html = member_client.get("/").content.decode()
    assert "Colleague &lt;0&gt;" in html and "Thanks 0" in html

    assert_constant_query_count(lambda: member_client.get("/"), lambda: _give_kudos(member, 4))
    html = member_client.get("/").content.decode()
    assert all(f"Colleague &lt;{n}&gt;" in html for n in range(4))


def test_home_cards_show_comment_previews_at_a_constant_query_count(member, member_client):
    def add(count):
        for n in range(count):
            post = PostFactory(group=None)
            commenter = UserFactory()
            commenter.profile.display_name = f"Commenter {post.pk}"
            commenter.profile.save()
            CommentFactory(post=post, author=commenter, body=f"preview {post.pk} {n}")

    add(2)
    assert_constant_query_count(lambda: member_client.get("/"), lambda: add(8))
    html = member_client.get("/").content.decode()
    assert html.count('class="latest-comments"') == 10
    assert html.count("Commenter ") == 10


def test_json_feed_does_not_load_comment_previews(member):
    post = PostFactory(group=None)
    services.comment_create(actor=UserFactory(), post=post, body="a comment")
    client = Client()
    client.force_login(member)
    client.get("/api/v1/feed")
    _count, queries = count_queries(lambda: client.get("/api/v1/feed"))
    assert not [sql for sql in queries if "ROW_NUMBER" in sql.upper()]
    _count, queries = count_queries(lambda: client.get("/"))
    assert [sql for sql in queries if "ROW_NUMBER" in sql.upper()]  # the page does
