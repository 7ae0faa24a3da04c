"""The home feed through the API: company-wide posts, my groups' posts and those
of colleagues I follow, that I may read; 20 a page with a keyset cursor."""

import datetime as dt

import pytest
from django.utils import timezone

from groups.models import Visibility
from profiles.services import follow_create
from tests.api.conftest import bearer, token_for
from tests.api.test_auth import assert_error
from tests.factories import CommentFactory, GroupFactory, MembershipFactory, PostFactory
from tests.helpers import assert_constant_query_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(member, session_client):
    return session_client(member)


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_feed_has_company_wide_my_groups_and_followed_posts(api, member):
    mine = GroupFactory()
    MembershipFactory(group=mine, user=member)
    company = PostFactory(group=None)
    in_mine = PostFactory(group=mine)
    followed_post = PostFactory(group=GroupFactory())
    follow_create(actor=member, followed=followed_post.author)
    PostFactory(group=GroupFactory())  # an open group I am not in, by someone I do not follow
    assert set(_ids(api.get("/api/v1/feed"))) == {company.pk, in_mine.pk, followed_post.pk}


def test_feed_never_shows_a_followed_colleagues_posts_in_groups_i_may_not_read(api, member):
    secret = PostFactory(group=GroupFactory(visibility=Visibility.SECRET))
    closed = PostFactory(group=GroupFactory(visibility=Visibility.CLOSED), author=secret.author)
    follow_create(actor=member, followed=secret.author)
    ids = _ids(api.get("/api/v1/feed"))
    assert secret.pk not in ids and closed.pk not in ids


def test_feed_pages_by_twenty_newest_first(api):
    now = timezone.now()
    posts = [PostFactory(group=None, created_at=now - dt.timedelta(minutes=i)) for i in range(25)]
    first = api.get("/api/v1/feed").json()
    assert [item["id"] for item in first["items"]] == [p.pk for p in posts[:20]]
    second = api.get(f"/api/v1/feed?cursor={first['next_cursor']}").json()
    assert [item["id"] for item in second["items"]] == [p.pk for p in posts[20:]]
    assert second["next_cursor"] is None


def test_top_feed_orders_by_engagement(api):
    quiet = PostFactory(group=None)
    busy = PostFactory(group=None)
    CommentFactory(post=busy, created_at=timezone.now())
    assert _ids(api.get("/api/v1/feed?order=top")) == [busy.pk, quiet.pk]


def test_feed_query_count_does_not_grow_with_the_page(api, member):
    group = GroupFactory()
    MembershipFactory(group=group, user=member)

    def grow():
        for _ in range(5):
            post = PostFactory(group=group)
            CommentFactory(post=post)
            PostFactory(group=None)

    grow()
    assert_constant_query_count(lambda: api.get("/api/v1/feed"), grow)


@pytest.mark.parametrize("params", ["cursor=garbage", "order=best"])
def test_bad_feed_parameters_are_422(api, params):
    assert_error(api.get(f"/api/v1/feed?{params}"), 422, "invalid")


def test_feed_reads_with_a_read_token(client, member):
    post = PostFactory(group=None)
    _token, secret = token_for(member)
    assert _ids(client.get("/api/v1/feed", headers=bearer(secret))) == [post.pk]


def test_feed_without_credentials_is_401(client):
    assert_error(client.get("/api/v1/feed"), 401, "unauthenticated")
