"""The posts API: a group's posts, one post, posting, editing and deleting;
nobody reads or changes what the rules keep from them."""

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from feed.models import ModerationAction, Post
from groups.models import Role, Visibility
from profiles.models import TokenScope
from tests.api.conftest import bearer, token_for
from tests.api.test_auth import assert_error
from tests.factories import (
    CommentFactory,
    GroupFactory,
    MembershipFactory,
    PostFactory,
    UserFactory,
)
from tests.helpers import assert_constant_query_count

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def api(member, session_client):
    return session_client(member)


# --- a group's posts ------------------------------------------------------------------


def test_group_posts_newest_first_with_pinned_apart(api, member):
    group = GroupFactory(slug="open")
    old = PostFactory(group=group, created_at=timezone.now() - timezone.timedelta(hours=2))
    new = PostFactory(group=group)
    pinned = PostFactory(group=group, pinned_at=timezone.now())
    PostFactory()  # another group
    body = api.get("/api/v1/groups/open/posts").json()
    assert [item["id"] for item in body["items"]] == [new.pk, old.pk]
    assert [item["id"] for item in body["pinned"]] == [pinned.pk]
    assert body["pinned"][0]["pinned"] is True
    assert body["next_cursor"] is None


def test_post_item_has_author_group_counts_and_my_reaction(api, member):
    group = GroupFactory(slug="open", name="Open")
    post = PostFactory(group=group, body="Hello **all**", is_question=True)
    CommentFactory(post=post)
    api.put(f"/api/v1/posts/{post.pk}/reaction", {"kind": "like"}, content_type=JSON)
    item = api.get("/api/v1/groups/open/posts").json()["items"][0]
    assert item["author"] == {
        "id": post.author_id,
        "username": post.author.username,
        "display_name": post.author.profile.display_name,
    }
    assert item["group"] == {"slug": "open", "name": "Open"}
    assert item["body"] == "Hello **all**"
    assert "<strong>all</strong>" in item["body_html"]
    assert item["is_question"] is True and item["accepted_comment_id"] is None
    assert item["comment_count"] == 1
    like = next(r for r in item["reactions"] if r["kind"] == "like")
    assert like == {"kind": "like", "count": 1, "mine": True}


def test_group_posts_page_with_a_cursor(api):
    group = GroupFactory(slug="open")
    posts = [PostFactory(group=group) for _ in range(5)]
    first = api.get("/api/v1/groups/open/posts?limit=3").json()
    second = api.get(f"/api/v1/groups/open/posts?limit=3&cursor={first['next_cursor']}").json()
    seen = [item["id"] for item in first["items"] + second["items"]]
    assert sorted(seen) == sorted(post.pk for post in posts) and len(seen) == 5
    assert second["next_cursor"] is None and second["pinned"] == []


def test_closed_group_posts_are_for_members_only(api, member):
    group = GroupFactory(slug="closed", visibility=Visibility.CLOSED)
    PostFactory(group=group)
    assert_error(api.get("/api/v1/groups/closed/posts"), 403, "forbidden")
    MembershipFactory(group=group, user=member)
    assert len(api.get("/api/v1/groups/closed/posts").json()["items"]) == 1


def test_group_posts_query_count_does_not_grow_with_the_page(api, member):
    group = GroupFactory(slug="open")

    def grow():
        for _ in range(5):
            post = PostFactory(group=group, author=UserFactory())
            CommentFactory(post=post)
            PostFactory(group=group, pinned_at=timezone.now())

    grow()
    assert_constant_query_count(lambda: api.get("/api/v1/groups/open/posts?limit=50"), grow)


def test_bad_cursor_is_422(api):
    GroupFactory(slug="open")
    error = assert_error(api.get("/api/v1/groups/open/posts?cursor=nonsense"), 422, "invalid")
    assert "cursor" in error["fields"]


# --- one post -------------------------------------------------------------------------


def test_a_readable_post_is_shown(api):
    post = PostFactory(group=None, body="Company news")
    body = api.get(f"/api/v1/posts/{post.pk}").json()
    assert body["id"] == post.pk and body["group"] is None and body["body"] == "Company news"


@pytest.mark.parametrize("visibility", [Visibility.CLOSED, Visibility.SECRET])
def test_a_post_i_may_not_read_answers_like_a_missing_one(api, visibility):
    post = PostFactory(group=GroupFactory(visibility=visibility))
    hidden = api.get(f"/api/v1/posts/{post.pk}")
    assert_error(hidden, 404, "not_found")
    assert hidden.json() == api.get("/api/v1/posts/999999").json()


def test_a_deleted_post_is_gone(api):
    post = PostFactory(deleted_at=timezone.now())
    assert_error(api.get(f"/api/v1/posts/{post.pk}"), 404, "not_found")


def test_unauthenticated_post_read_is_401(client):
    post = PostFactory()
    assert_error(client.get(f"/api/v1/posts/{post.pk}"), 401, "unauthenticated")


# --- posting --------------------------------------------------------------------------


def test_posting_in_my_group(api, member):
    group = GroupFactory(slug="team")
    MembershipFactory(group=group, user=member)
    response = api.post(
        "/api/v1/posts",
        {"group": "team", "body": "Ship it #release", "is_question": True},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    post = Post.objects.get(pk=body["id"])
    assert post.group == group and post.author == member and post.is_question
    assert body["group"]["slug"] == "team" and body["comment_count"] == 0
    assert list(post.hashtags.names()) == ["release"]


def test_posting_company_wide(api, member):
    response = api.post("/api/v1/posts", {"group": None, "body": "Hi all"}, content_type=JSON)
    assert response.status_code == 201
    assert Post.objects.get(pk=response.json()["id"]).group is None


def test_posting_in_a_group_i_am_not_in_is_403(api):
    GroupFactory(slug="open")
    response = api.post("/api/v1/posts", {"group": "open", "body": "x"}, content_type=JSON)
    assert_error(response, 403, "forbidden")
    assert not Post.objects.exists()


def test_posting_in_a_secret_group_i_may_not_know_is_404(api):
    GroupFactory(slug="hush", visibility=Visibility.SECRET)
    response = api.post("/api/v1/posts", {"group": "hush", "body": "x"}, content_type=JSON)
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"body": "   "}, "body"),
        ({}, "body"),
        ({"body": "x", "is_question": "maybe"}, "is_question"),
    ],
)
def test_posting_bad_input_is_422_naming_the_field(api, payload, field):
    error = assert_error(api.post("/api/v1/posts", payload, content_type=JSON), 422, "invalid")
    assert field in error["fields"]


def test_posting_too_long_a_body_is_422(api, settings):
    settings.BUZZ_POST_MAX_CHARS = 10
    response = api.post("/api/v1/posts", {"body": "x" * 11}, content_type=JSON)
    assert "body" in assert_error(response, 422, "invalid")["fields"]


def test_posting_needs_a_write_token(client, member):
    _token, secret = token_for(member, TokenScope.READ)
    response = client.post(
        "/api/v1/posts", {"body": "x"}, content_type=JSON, headers=bearer(secret)
    )
    assert_error(response, 403, "read_only_token")
    _token, secret = token_for(member, TokenScope.READ_WRITE)
    response = client.post(
        "/api/v1/posts", {"body": "x"}, content_type=JSON, headers=bearer(secret)
    )
    assert response.status_code == 201


def test_posting_on_a_session_needs_the_csrf_token(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post("/api/v1/posts", {"body": "x"}, content_type=JSON)
    assert_error(response, 403, "csrf_failed")
    client.get("/people/me/tokens/")
    csrf = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        "/api/v1/posts", {"body": "x"}, content_type=JSON, headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 201
    assert Post.objects.count() == 1


# --- editing and deleting -------------------------------------------------------------


def test_the_author_edits_a_post(api, member):
    post = PostFactory(author=member, group=None, body="Old")
    response = api.patch(f"/api/v1/posts/{post.pk}", {"body": "New"}, content_type=JSON)
    assert response.status_code == 200
    assert response.json()["body"] == "New" and response.json()["edited_at"]
    post.refresh_from_db()
    assert post.body == "New"


def test_editing_someone_elses_post_is_404_as_on_the_web(api):
    post = PostFactory(group=None, body="Theirs")
    response = api.patch(f"/api/v1/posts/{post.pk}", {"body": "Mine now"}, content_type=JSON)
    assert_error(response, 404, "not_found")
    post.refresh_from_db()
    assert post.body == "Theirs"


def test_editing_to_an_empty_body_is_422(api, member):
    post = PostFactory(author=member, group=None)
    response = api.patch(f"/api/v1/posts/{post.pk}", {"body": ""}, content_type=JSON)
    assert "body" in assert_error(response, 422, "invalid")["fields"]


def test_the_author_deletes_a_post(api, member):
    post = PostFactory(author=member, group=None)
    assert api.delete(f"/api/v1/posts/{post.pk}").status_code == 204
    post.refresh_from_db()
    assert post.deleted_at is not None
    assert_error(api.get(f"/api/v1/posts/{post.pk}"), 404, "not_found")


def test_deleting_someone_elses_post_is_403(api):
    post = PostFactory(group=None)
    assert_error(api.delete(f"/api/v1/posts/{post.pk}"), 403, "forbidden")
    post.refresh_from_db()
    assert post.deleted_at is None


def test_a_group_admin_deletes_a_post_as_moderator(api, member):
    group = GroupFactory()
    MembershipFactory(group=group, user=member, role=Role.ADMIN)
    post = PostFactory(group=group)
    assert api.delete(f"/api/v1/posts/{post.pk}").status_code == 204
    assert ModerationAction.objects.filter(post=post, moderator=member).exists()


def test_deleting_a_post_i_may_not_read_is_404(api):
    post = PostFactory(group=GroupFactory(visibility=Visibility.SECRET))
    assert_error(api.delete(f"/api/v1/posts/{post.pk}"), 404, "not_found")
