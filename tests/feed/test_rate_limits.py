"""Post and comment rate limits live in feed.services: the service itself, the
HTML forms and the API are held to one budget per member, and a refused write
leaves nothing behind (no row, no mention, no notification, no event, no live
event). Windows move with a settable clock, never by sleeping."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from community import ratelimit
from community.ratelimit import RateLimited
from feed import services
from feed.models import Comment, LiveEvent, Mention, Notification, Post
from metrics.models import ParticipationEvent
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db

START = 1_900_800_000.0  # the first second of a minute
JSON = "application/json"


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    now = [START]
    monkeypatch.setattr(ratelimit, "clock", lambda: now[0])
    return now


def _written() -> tuple[int, ...]:
    """Everything a post or comment writes, counted."""
    return (
        Post.objects.count(),
        Comment.objects.count(),
        Mention.objects.count(),
        Notification.objects.count(),
        ParticipationEvent.objects.count(),
        LiveEvent.objects.count(),
    )


# --- the service --------------------------------------------------------------------


@override_settings(BUZZ_RATE_POSTS_PER_MINUTE=2)
def test_the_post_service_refuses_beyond_the_limit_and_writes_nothing(
    member, clock, django_capture_on_commit_callbacks
):
    UserFactory(username="ann")
    services.post_create(actor=member, body="one")
    services.post_publish(actor=member, body="two")  # the composer's service shares the budget
    clock[0] += 15
    before = _written()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RateLimited) as refused,
    ):
        services.post_create(actor=member, body="three, thanks @ann #python")
    assert refused.value.retry_after == 45
    assert "posting very fast" in refused.value.message
    assert _written() == before
    assert callbacks == []  # nothing pushed, indexed or sent for the refused post
    clock[0] += 45
    services.post_create(actor=member, body="a new minute")


@override_settings(BUZZ_RATE_COMMENTS_PER_MINUTE=2)
def test_the_comment_service_refuses_beyond_the_limit_and_writes_nothing(
    member, clock, django_capture_on_commit_callbacks
):
    post = PostFactory(group=None)
    UserFactory(username="ann")
    for _ in range(2):
        services.comment_create(actor=member, post=post, body="Nice")
    before = _written()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RateLimited, match="commenting very fast"),
    ):
        services.comment_create(actor=member, post=post, body="Nice, @ann")
    assert _written() == before
    assert callbacks == []
    clock[0] += 60
    services.comment_create(actor=member, post=post, body="Later")


@override_settings(BUZZ_RATE_POSTS_PER_MINUTE=1)
def test_the_limit_is_per_member_and_posts_and_comments_have_their_own_budgets(member):
    services.post_create(actor=member, body="one")
    services.post_create(actor=UserFactory(), body="someone else's")
    services.comment_create(actor=member, post=PostFactory(group=None), body="still fine")
    with pytest.raises(RateLimited):
        services.post_create(actor=member, body="two")


@override_settings(BUZZ_RATE_POSTS_PER_MINUTE=1)
def test_a_refused_write_does_not_spend_the_budget(member):
    with pytest.raises(Exception, match="Write something first"):
        services.post_create(actor=member, body="   ")
    services.post_create(actor=member, body="the one allowed")


@override_settings(BUZZ_RATE_POSTS_PER_MINUTE=1)
def test_a_post_over_the_limit_is_refused_before_its_files_are_judged(member, monkeypatch):
    judged = []
    monkeypatch.setattr(services, "_prepare_attachment", judged.append)
    services.post_publish(actor=member, body="one")
    upload = SimpleUploadedFile("photo.png", b"not judged", content_type="image/png")
    with pytest.raises(RateLimited):
        services.post_publish(actor=member, body="two", uploads=[upload])
    assert judged == []
    assert Post.objects.count() == 1


# --- the HTML forms -----------------------------------------------------------------


def _assert_429_page(response, words: str) -> None:
    assert response.status_code == 429, response.content[:300]
    assert int(response["Retry-After"]) > 0
    assert words in response.content.decode()


@override_settings(BUZZ_RATE_POSTS_PER_MINUTE=1)
def test_the_composer_gives_the_429_page_and_writes_nothing(member, member_client):
    assert member_client.post("/posts/new/", {"body": "Hello"}).status_code == 302
    before = _written()
    _assert_429_page(member_client.post("/posts/new/", {"body": "Again"}), "posting very fast")
    assert _written() == before


@override_settings(BUZZ_RATE_COMMENTS_PER_MINUTE=1)
def test_the_comment_form_gives_the_429_page_and_writes_nothing(member_client):
    post = PostFactory(group=None)
    url = f"/posts/{post.pk}/comments/"
    assert member_client.post(url, {"body": "Nice"}).status_code == 302
    before = _written()
    _assert_429_page(member_client.post(url, {"body": "Nice"}), "commenting very fast")
    assert _written() == before


# --- the API ------------------------------------------------------------------------


def _assert_429_envelope(response, words: str) -> None:
    assert response.status_code == 429, response.content[:300]
    assert int(response["Retry-After"]) > 0
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    assert words in error["message"]


@override_settings(BUZZ_RATE_POSTS_PER_MINUTE=1)
def test_api_posts_beyond_the_limit_get_429_and_write_nothing(member_client):
    api = member_client  # the API takes the session too
    first = api.post("/api/v1/posts", {"body": "Hello"}, content_type=JSON)
    assert first.status_code == 201, first.content
    before = _written()
    again = api.post("/api/v1/posts", {"body": "Again"}, content_type=JSON)
    _assert_429_envelope(again, "posting very fast")
    assert _written() == before


@override_settings(BUZZ_RATE_COMMENTS_PER_MINUTE=1)
def test_api_comments_beyond_the_limit_get_429_and_write_nothing(member_client):
    api = member_client
    url = f"/api/v1/posts/{PostFactory(group=None).pk}/comments"
    assert api.post(url, {"body": "Nice"}, content_type=JSON).status_code == 201
    before = _written()
    _assert_429_envelope(api.post(url, {"body": "Nice"}, content_type=JSON), "commenting very fast")
    assert _written() == before


@override_settings(BUZZ_RATE_POSTS_PER_MINUTE=3)
def test_the_service_the_form_and_the_api_share_one_budget(member, member_client):
    services.post_create(actor=member, body="by a script")
    assert member_client.post("/posts/new/", {"body": "on the page"}).status_code == 302
    api = member_client
    assert api.post("/api/v1/posts", {"body": "by API"}, content_type=JSON).status_code == 201
    _assert_429_page(member_client.post("/posts/new/", {"body": "4"}), "posting very fast")
    _assert_429_envelope(
        api.post("/api/v1/posts", {"body": "4"}, content_type=JSON), "posting very fast"
    )
    with pytest.raises(RateLimited):
        services.post_create(actor=member, body="4")
    assert Post.objects.filter(author=member).count() == 3
