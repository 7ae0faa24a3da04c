"""The comments and reactions API: threads, commenting and replying, editing and
deleting one's own, and one reaction per member on a post or comment."""

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from feed.models import Comment, Reaction
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


@pytest.fixture
def post(db):
    return PostFactory(group=None)


# --- reading comments -----------------------------------------------------------------


def test_comments_come_as_threads_oldest_first(api, post):
    first = CommentFactory(post=post, body="first")
    second = CommentFactory(post=post, body="second")
    reply = CommentFactory(post=post, parent=first, body="reply")
    CommentFactory(post=post, deleted_at=timezone.now())
    body = api.get(f"/api/v1/posts/{post.pk}/comments").json()
    assert body["next_cursor"] is None
    assert [c["id"] for c in body["items"]] == [first.pk, second.pk]
    assert [c["id"] for c in body["items"][0]["replies"]] == [reply.pk]
    assert body["items"][0]["replies"][0]["parent_id"] == first.pk
    assert body["items"][0]["author"]["username"] == first.author.username


def test_comments_of_a_post_i_may_not_read_are_404(api):
    hidden = PostFactory(group=GroupFactory(visibility=Visibility.CLOSED))
    CommentFactory(post=hidden)
    assert_error(api.get(f"/api/v1/posts/{hidden.pk}/comments"), 404, "not_found")


def test_comments_query_count_does_not_grow_with_the_thread(api, post):
    def grow():
        for _ in range(4):
            parent = CommentFactory(post=post, author=UserFactory())
            CommentFactory(post=post, parent=parent)
            Reaction.objects.create(user=UserFactory(), comment=parent, kind="like")

    grow()
    assert_constant_query_count(lambda: api.get(f"/api/v1/posts/{post.pk}/comments"), grow)


# --- writing comments -----------------------------------------------------------------


def test_commenting_and_replying(api, member, post):
    response = api.post(f"/api/v1/posts/{post.pk}/comments", {"body": "Nice"}, content_type=JSON)
    assert response.status_code == 201, response.content
    top = response.json()
    assert top["post_id"] == post.pk and top["parent_id"] is None and top["body"] == "Nice"
    assert top["author"]["id"] == member.pk
    reply = api.post(
        f"/api/v1/posts/{post.pk}/comments",
        {"body": "Indeed", "parent": top["id"]},
        content_type=JSON,
    ).json()
    assert reply["parent_id"] == top["id"]


def test_a_reply_to_a_reply_joins_its_thread(api, post):
    top = CommentFactory(post=post)
    reply = CommentFactory(post=post, parent=top)
    response = api.post(
        f"/api/v1/posts/{post.pk}/comments", {"body": "x", "parent": reply.pk}, content_type=JSON
    )
    assert response.json()["parent_id"] == top.pk


def test_replying_to_a_comment_of_another_post_is_422(api, post):
    elsewhere = CommentFactory()
    response = api.post(
        f"/api/v1/posts/{post.pk}/comments",
        {"body": "x", "parent": elsewhere.pk},
        content_type=JSON,
    )
    assert "parent" in assert_error(response, 422, "invalid")["fields"]


def test_empty_comment_is_422(api, post):
    response = api.post(f"/api/v1/posts/{post.pk}/comments", {"body": " "}, content_type=JSON)
    assert "body" in assert_error(response, 422, "invalid")["fields"]


def test_commenting_on_a_post_i_may_not_read_is_404(api):
    hidden = PostFactory(group=GroupFactory(visibility=Visibility.SECRET))
    response = api.post(f"/api/v1/posts/{hidden.pk}/comments", {"body": "x"}, content_type=JSON)
    assert_error(response, 404, "not_found")
    assert not Comment.objects.exists()


def test_commenting_needs_the_csrf_token_on_a_session(member, post):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    url = f"/api/v1/posts/{post.pk}/comments"
    assert_error(client.post(url, {"body": "x"}, content_type=JSON), 403, "csrf_failed")
    client.get("/people/me/tokens/")
    csrf = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(url, {"body": "x"}, content_type=JSON, headers={"X-CSRFToken": csrf})
    assert response.status_code == 201


def test_the_author_edits_a_comment(api, member, post):
    comment = CommentFactory(post=post, author=member, body="Old")
    response = api.patch(f"/api/v1/comments/{comment.pk}", {"body": "New"}, content_type=JSON)
    assert response.status_code == 200
    assert response.json()["body"] == "New" and response.json()["edited_at"]


def test_editing_someone_elses_comment_is_404(api, post):
    comment = CommentFactory(post=post, body="Theirs")
    response = api.patch(f"/api/v1/comments/{comment.pk}", {"body": "x"}, content_type=JSON)
    assert_error(response, 404, "not_found")
    comment.refresh_from_db()
    assert comment.body == "Theirs"


def test_the_author_deletes_a_comment(api, member, post):
    comment = CommentFactory(post=post, author=member)
    assert api.delete(f"/api/v1/comments/{comment.pk}").status_code == 204
    comment.refresh_from_db()
    assert comment.deleted_at is not None
    assert_error(api.delete(f"/api/v1/comments/{comment.pk}"), 404, "not_found")


def test_deleting_someone_elses_comment_is_403(api, post):
    comment = CommentFactory(post=post)
    assert_error(api.delete(f"/api/v1/comments/{comment.pk}"), 403, "forbidden")
    comment.refresh_from_db()
    assert comment.deleted_at is None


def test_a_group_owner_deletes_a_comment_as_moderator(api, member):
    group = GroupFactory()
    MembershipFactory(group=group, user=member, role=Role.OWNER)
    comment = CommentFactory(post=PostFactory(group=group))
    assert api.delete(f"/api/v1/comments/{comment.pk}").status_code == 204


def test_a_comment_on_a_post_i_may_not_read_is_404(api):
    comment = CommentFactory(post=PostFactory(group=GroupFactory(visibility=Visibility.CLOSED)))
    assert_error(api.delete(f"/api/v1/comments/{comment.pk}"), 404, "not_found")
    response = api.patch(f"/api/v1/comments/{comment.pk}", {"body": "x"}, content_type=JSON)
    assert_error(response, 404, "not_found")


# --- reactions ------------------------------------------------------------------------


def _counts(body) -> dict[str, int]:
    return {r["kind"]: r["count"] for r in body["reactions"] if r["count"]}


def test_put_sets_replaces_and_repeats_a_post_reaction(api, member, post):
    url = f"/api/v1/posts/{post.pk}/reaction"
    body = api.put(url, {"kind": "like"}, content_type=JSON).json()
    assert body["mine"] == "like" and _counts(body) == {"like": 1}
    # The same kind again changes nothing (PUT is idempotent, unlike the toggle button).
    body = api.put(url, {"kind": "like"}, content_type=JSON).json()
    assert body["mine"] == "like" and _counts(body) == {"like": 1}
    body = api.put(url, {"kind": "celebrate"}, content_type=JSON).json()
    assert body["mine"] == "celebrate" and _counts(body) == {"celebrate": 1}
    assert Reaction.objects.filter(user=member, post=post).count() == 1


def test_delete_takes_the_reaction_back_and_twice_is_harmless(api, member, post):
    url = f"/api/v1/posts/{post.pk}/reaction"
    api.put(url, {"kind": "funny"}, content_type=JSON)
    body = api.delete(url).json()
    assert body["mine"] is None and _counts(body) == {}
    assert api.delete(url).status_code == 200
    assert not Reaction.objects.filter(user=member).exists()


def test_comment_reactions_are_separate_from_the_posts(api, member, post):
    comment = CommentFactory(post=post)
    body = api.put(
        f"/api/v1/comments/{comment.pk}/reaction", {"kind": "insightful"}, content_type=JSON
    ).json()
    assert body["mine"] == "insightful"
    assert Reaction.objects.get(user=member).comment == comment
    assert api.get(f"/api/v1/posts/{post.pk}").json()["reactions"][0]["count"] == 0
    threads = api.get(f"/api/v1/posts/{post.pk}/comments").json()["items"]
    assert {r["kind"]: r["mine"] for r in threads[0]["reactions"]}["insightful"] is True
    assert api.delete(f"/api/v1/comments/{comment.pk}/reaction").json()["mine"] is None


def test_unknown_reaction_kind_is_422(api, post):
    response = api.put(f"/api/v1/posts/{post.pk}/reaction", {"kind": "meh"}, content_type=JSON)
    assert "kind" in assert_error(response, 422, "invalid")["fields"]


def test_reacting_to_a_post_i_may_not_read_is_404(api):
    hidden = PostFactory(group=GroupFactory(visibility=Visibility.CLOSED))
    response = api.put(f"/api/v1/posts/{hidden.pk}/reaction", {"kind": "like"}, content_type=JSON)
    assert_error(response, 404, "not_found")
    assert not Reaction.objects.exists()


def test_reacting_needs_a_write_token(client, member, post):
    _token, secret = token_for(member, TokenScope.READ)
    url = f"/api/v1/posts/{post.pk}/reaction"
    response = client.put(url, {"kind": "like"}, content_type=JSON, headers=bearer(secret))
    assert_error(response, 403, "read_only_token")
    assert_error(client.delete(url, headers=bearer(secret)), 403, "read_only_token")
