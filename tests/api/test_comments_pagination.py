"""A post's comments through the API come in keyset pages of threads (oldest
first, replies inside their thread), like every other API list: each thread
once, a constant number of queries per page, and a cursor that is not one of
this list's answers 422 in the envelope (as /api/v1/feed and the others)."""

import base64
import datetime as dt
import json

import pytest
from django.utils import timezone

from feed.models import Reaction
from groups.models import Visibility
from tests.api.test_auth import assert_error
from tests.factories import CommentFactory, GroupFactory, PostFactory, UserFactory
from tests.helpers import assert_constant_query_count

pytestmark = pytest.mark.django_db

T0 = timezone.now() - dt.timedelta(days=1)


@pytest.fixture
def api(member, session_client):
    return session_client(member)


@pytest.fixture
def post(db):
    return PostFactory(group=None)


def _comment(post, minute: int, **kwargs):
    return CommentFactory(post=post, created_at=T0 + dt.timedelta(minutes=minute), **kwargs)


def _pages(api, post, limit: int) -> list[dict]:
    pages, cursor = [], None
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        response = api.get(f"/api/v1/posts/{post.pk}/comments", params)
        assert response.status_code == 200, response.content
        pages.append(response.json())
        cursor = pages[-1]["next_cursor"]
        if cursor is None:
            return pages


def test_threads_page_by_cursor_oldest_first_with_replies_inside(api, post):
    threads = [_comment(post, minute) for minute in range(5)]
    # A reply written after later threads stays in its thread, not on a page of its own.
    reply = _comment(post, 10, parent=threads[0])
    pages = _pages(api, post, limit=2)
    assert [[t["id"] for t in page["items"]] for page in pages] == [
        [threads[0].pk, threads[1].pk],
        [threads[2].pk, threads[3].pk],
        [threads[4].pk],
    ]
    assert [r["id"] for r in pages[0]["items"][0]["replies"]] == [reply.pk]


def test_threads_with_the_same_time_are_each_shown_once(api, post):
    same = [_comment(post, 0) for _ in range(5)]
    ids = [t["id"] for page in _pages(api, post, limit=2) for t in page["items"]]
    assert ids == sorted(c.pk for c in same)


def test_deleted_comments_are_left_out_and_their_replies_become_threads(api, post):
    gone = _comment(post, 0, deleted_at=timezone.now())
    orphan = _comment(post, 1, parent=gone)
    kept = _comment(post, 2)
    _comment(post, 3, parent=kept, deleted_at=timezone.now())
    (page,) = _pages(api, post, limit=10)
    assert [t["id"] for t in page["items"]] == [orphan.pk, kept.pk]
    assert page["items"][1]["replies"] == []


def test_reactions_and_the_accepted_answer_are_on_each_comment(api, member, post):
    thread = _comment(post, 0)
    reply = _comment(post, 1, parent=thread)
    Reaction.objects.create(user=member, comment=reply, kind="celebrate")
    Reaction.objects.create(user=UserFactory(), comment=reply, kind="celebrate")
    post.accepted_comment = thread
    post.save(update_fields=["accepted_comment"])
    (page,) = _pages(api, post, limit=10)
    top = page["items"][0]
    assert top["is_accepted"] is True
    celebrate = next(r for r in top["replies"][0]["reactions"] if r["kind"] == "celebrate")
    assert celebrate == {"kind": "celebrate", "count": 2, "mine": True}


def test_a_page_costs_the_same_queries_however_many_threads_replies_and_reactions(api, post):
    minute = iter(range(10_000))

    def grow():
        for _ in range(3):
            thread = _comment(post, next(minute), author=UserFactory())
            for _ in range(2):
                reply = _comment(post, next(minute), parent=thread, author=UserFactory())
                Reaction.objects.create(user=UserFactory(), comment=reply, kind="like")
            Reaction.objects.create(user=UserFactory(), comment=thread, kind="like")

    grow()
    url = f"/api/v1/posts/{post.pk}/comments"
    assert_constant_query_count(lambda: api.get(url, {"limit": 100}), grow)
    # A later page too: the cursor adds no query.
    cursor = api.get(url, {"limit": 2}).json()["next_cursor"]
    assert_constant_query_count(lambda: api.get(url, {"limit": 100, "cursor": cursor}), grow)


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    ["garbage!", _cursor([1]), _cursor(["not a date", 3]), _cursor({"a": 1})],
    ids=["not-base64-json", "wrong-length", "wrong-type", "not-a-list"],
)
def test_a_bad_cursor_is_422_naming_the_cursor(api, post, cursor):
    _comment(post, 0)
    response = api.get(f"/api/v1/posts/{post.pk}/comments", {"cursor": cursor})
    error = assert_error(response, 422, "invalid")
    assert error["fields"] == {"cursor": ["This cursor does not belong to this list."]}


@pytest.mark.parametrize("limit", [0, 101, "x"])
def test_a_limit_out_of_range_is_422(api, post, limit):
    response = api.get(f"/api/v1/posts/{post.pk}/comments", {"limit": limit})
    assert "limit" in json.dumps(assert_error(response, 422, "invalid")["fields"])


def test_a_post_i_may_not_read_is_404_with_or_without_a_cursor(api, post):
    hidden = PostFactory(group=GroupFactory(visibility=Visibility.SECRET))
    _comment(hidden, 0)
    _comment(hidden, 1)
    url = f"/api/v1/posts/{hidden.pk}/comments"
    assert_error(api.get(url), 404, "not_found")
    assert_error(api.get(url, {"cursor": _cursor([T0.isoformat(), 1])}), 404, "not_found")
