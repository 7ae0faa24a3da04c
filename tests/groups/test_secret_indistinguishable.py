"""A secret group the viewer may not see answers exactly like one that does not exist."""

import re

import pytest

from groups.models import Visibility
from tests.factories import (
    CommentFactory,
    GroupFactory,
    MembershipFactory,
    PostFactory,
)

pytestmark = pytest.mark.django_db

CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')

GROUP_PATHS = [
    ("get", "/groups/{slug}/"),
    ("get", "/groups/{slug}/members/"),
    ("get", "/groups/{slug}/edit/"),
    ("get", "/groups/{slug}/cover/"),
    ("post", "/groups/{slug}/join/"),
    ("post", "/groups/{slug}/leave/"),
    ("post", "/groups/{slug}/archive/"),
    ("post", "/groups/{slug}/invite/"),
    ("post", "/groups/{slug}/members/1/"),
    ("post", "/groups/{slug}/requests/1/approve/"),
    ("post", "/groups/{slug}/invitation/accept/"),
]
POST_PATHS = [
    ("get", "/posts/{pk}/"),
    ("get", "/posts/{pk}/edit/"),
    ("post", "/posts/{pk}/delete/"),
    ("post", "/posts/{pk}/comments/"),
    ("post", "/posts/{pk}/react/"),
    ("post", "/posts/{pk}/accept/"),
]
COMMENT_PATHS = [
    ("get", "/comments/{pk}/edit/"),
    ("post", "/comments/{pk}/delete/"),
    ("post", "/comments/{pk}/react/"),
]


def answer(client, method, path):
    """Status and body, with the two things that differ for any two URLs masked:
    the random CSRF token and the echo of the requested path (language switch)."""
    response = getattr(client, method)(path, {"body": "x", "kind": "like", "username": "x"})
    body = CSRF_VALUE.sub("csrf", response.content.decode()).replace(path, "PATH")
    return response.status_code, body


@pytest.fixture
def secret_world():
    group = GroupFactory(visibility=Visibility.SECRET, slug="skunkworks")
    post = PostFactory(group=group)
    comment = CommentFactory(post=post)
    return group, post, comment


@pytest.mark.parametrize(("method", "path"), GROUP_PATHS)
def test_secret_group_urls_answer_like_a_missing_group(member_client, secret_world, method, path):
    secret = answer(member_client, method, path.format(slug="skunkworks"))
    missing = answer(member_client, method, path.format(slug="no-such-group"))
    assert secret == missing
    assert secret[0] == 404


@pytest.mark.parametrize(("method", "path"), POST_PATHS)
def test_secret_group_posts_answer_like_missing_posts(member_client, secret_world, method, path):
    _, post, _ = secret_world
    assert answer(member_client, method, path.format(pk=post.pk)) == answer(
        member_client, method, path.format(pk=999999)
    )


@pytest.mark.parametrize(("method", "path"), COMMENT_PATHS)
def test_secret_group_comments_answer_like_missing_comments(
    member_client, secret_world, method, path
):
    _, _, comment = secret_world
    assert answer(member_client, method, path.format(pk=comment.pk)) == answer(
        member_client, method, path.format(pk=999999)
    )


def test_secret_group_is_absent_from_the_directory_search_and_hashtags(member_client, secret_world):
    group, post, _ = secret_world
    post.hashtags.add("skunk")
    for url in ["/groups/", "/groups/?q=skunk", "/tags/skunk/", "/"]:
        html = member_client.get(url).content.decode()
        assert group.name not in html
        assert post.body not in html


def test_members_see_their_secret_group(member, member_client, secret_world):
    group, post, _ = secret_world
    MembershipFactory(group=group, user=member)
    assert member_client.get("/groups/skunkworks/").status_code == 200
    assert post.body in member_client.get(f"/posts/{post.pk}/").content.decode()
