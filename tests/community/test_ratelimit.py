"""Rate limits: posts, comments, invitations, API tokens, websocket messages and
failed logins. Beyond each limit a 429 with Retry-After and a message a person
understands; windows move with a settable clock, never by sleeping; with Redis
down posting still works and the login lockout still holds (from the database)."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from community import ratelimit
from community.models import AuditAction, AuditEntry
from tests.api.conftest import bearer, token_for
from tests.factories import TEST_PASSWORD, PostFactory, UserFactory
from tests.helpers import closed_port

pytestmark = pytest.mark.django_db

START = 1_900_800_000.0  # the first second of a minute and of an hour


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(ratelimit, "clock", fake)
    cache.clear()
    yield fake
    cache.clear()


def redis_down():
    return override_settings(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            }
        }
    )


def assert_429(response, *words: str) -> str:
    assert response.status_code == 429, response.content[:500]
    assert int(response["Retry-After"]) > 0
    text = response.content.decode()
    for word in words:
        assert word in text
    return text


def post(client, body="Hello"):
    return client.post("/posts/new/", {"body": body})


# --- posts and comments -------------------------------------------------------------


@override_settings(BUZZ_RATE_POSTS_PER_MINUTE=2)
def test_the_post_beyond_the_limit_gets_429_and_the_next_minute_works(member_client, clock):
    assert post(member_client).status_code == 302
    assert post(member_client).status_code == 302
    clock.now += 15
    response = post(member_client)
    assert_429(response, "posting very fast", "45 seconds")
    assert response["Retry-After"] == "45"
    clock.now += 45
    assert post(member_client).status_code == 302


@override_settings(BUZZ_RATE_POSTS_PER_MINUTE=1)
def test_post_limits_are_per_member(member_client):
    other = Client()
    other.force_login(UserFactory())
    assert post(member_client).status_code == 302
    assert post(other).status_code == 302
    assert_429(post(member_client))


@override_settings(BUZZ_RATE_COMMENTS_PER_MINUTE=2)
def test_the_comment_beyond_the_limit_gets_429(member_client, clock):
    target = PostFactory(group=None)
    url = f"/posts/{target.pk}/comments/"
    for _ in range(2):
        assert member_client.post(url, {"body": "Nice"}).status_code == 302
    assert_429(member_client.post(url, {"body": "Nice"}), "commenting very fast")
    assert target.comments.count() == 2
    clock.now += 60
    assert member_client.post(url, {"body": "Nice"}).status_code == 302


def test_with_redis_down_posting_still_works(member_client):
    with redis_down():
        response = post(member_client)
    assert response.status_code == 302


def test_a_limit_with_the_cache_down_allows_and_warns(caplog):
    with redis_down():
        for _ in range(3):
            ratelimit.hit("probe", 1, limit=1, window=60, message="%(wait)s")
    assert "the cache is unavailable" in caplog.text


# --- invitations --------------------------------------------------------------------


@override_settings(BUZZ_RATE_INVITES_PER_HOUR=3, BUZZ_INVITE_DOMAINS=[])
def test_invitations_beyond_the_hourly_limit_get_429(member_client, clock):
    first = member_client.post("/invites/", {"emails": "a@buzz.example\nb@buzz.example"})
    assert first.status_code == 302
    response = member_client.post("/invites/", {"emails": "c@buzz.example\nd@buzz.example"})
    assert_429(response, "many invitations")
    assert response["Retry-After"] == "3600"
    clock.now += 3600
    assert member_client.post("/invites/", {"emails": "e@buzz.example"}).status_code == 302


# --- the API ------------------------------------------------------------------------


@override_settings(BUZZ_RATE_API_PER_MINUTE=2)
def test_api_requests_beyond_the_limit_per_token_get_429_in_the_envelope(client, member, clock):
    _token, secret = token_for(member)
    _other_token, other_secret = token_for(member, name="other")
    for _ in range(2):
        assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    assert "Too many requests with this token" in error["message"]
    # Another token has its own budget; the next minute this one works again.
    assert client.get("/api/v1/me", headers=bearer(other_secret)).status_code == 200
    clock.now += 60
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200


# --- the websocket ------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_websocket_flood_gets_an_error_event_and_is_closed(ws_connect, clock):
    from asgiref.sync import sync_to_async

    user = await sync_to_async(UserFactory)()
    with override_settings(BUZZ_RATE_WS_MESSAGES_PER_SECOND=3):
        communicator, connected, _code = await ws_connect(user)
        assert connected
        assert (await communicator.receive_json_from())["type"] == "hello"
        for _ in range(3):
            await communicator.send_json_to({"type": "ping"})
            assert (await communicator.receive_json_from())["type"] == "pong"
        await communicator.send_json_to({"type": "ping"})
        error = await communicator.receive_json_from()
        assert error == {"type": "error", "code": "rate_limited", "message": "Too many messages."}
        closed = await communicator.receive_output()
        assert closed == {"type": "websocket.close", "code": 4429}


def test_the_message_budget_slides_with_the_clock(clock):
    budget = ratelimit.MessageBudget(2, window=1.0)
    assert budget.allow() and budget.allow()
    assert not budget.allow()
    clock.now += 1.0
    assert budget.allow()


# --- failed logins ------------------------------------------------------------------


def login(client, username, password="wrong", ip="192.0.2.10"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@override_settings(BUZZ_LOGIN_FAILURES_PER_ACCOUNT_PER_HOUR=3)
def test_an_account_is_locked_after_too_many_failed_logins(client):
    user = UserFactory()
    for _ in range(3):
        assert login(client, user.username).status_code == 200
    # Even the right password is not tried while locked; from another address too.
    response = login(client, user.username, TEST_PASSWORD, ip="198.51.100.1")
    text = assert_429(response, "Too many failed logins", "60 minutes")
    assert 3590 <= int(response["Retry-After"]) <= 3600
    assert "Log in to Buzz" in text  # the form itself, with the message on it
    assert "_auth_user_id" not in client.session


@override_settings(BUZZ_LOGIN_FAILURES_PER_ACCOUNT_PER_HOUR=3)
def test_the_lockout_ends_when_the_failures_are_an_hour_old(client):
    user = UserFactory()
    for _ in range(3):
        login(client, user.username.upper())  # the login name counts case-insensitively
    assert login(client, user.username, TEST_PASSWORD).status_code == 429
    AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).update(
        at=timezone.now() - dt.timedelta(minutes=61)
    )
    assert login(client, user.username, TEST_PASSWORD).status_code == 302


@override_settings(BUZZ_LOGIN_FAILURES_PER_IP_PER_HOUR=3)
def test_an_address_is_locked_after_too_many_failed_logins_on_any_accounts(client):
    for name in ("anna", "bram", "carla"):
        login(client, name, ip="203.0.113.9")
    user = UserFactory()
    assert_429(login(client, user.username, TEST_PASSWORD, ip="203.0.113.9"))
    assert login(client, user.username, TEST_PASSWORD, ip="203.0.113.10").status_code == 302


@override_settings(BUZZ_LOGIN_FAILURES_PER_ACCOUNT_PER_HOUR=2)
def test_with_redis_down_the_login_lockout_still_holds(client):
    user = UserFactory()
    with redis_down():
        login(client, user.username)
        login(client, user.username)
        assert_429(login(client, user.username, TEST_PASSWORD), "Too many failed logins")


def test_a_correct_login_below_the_limit_works_and_costs_one_lockout_query(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = UserFactory()
    login(client, user.username)
    with CaptureQueriesContext(connection) as queries:
        assert login(client, user.username, TEST_PASSWORD).status_code == 302
    lockout = [q for q in queries.captured_queries if "community_auditentry" in q["sql"]]
    assert len([q for q in lockout if q["sql"].startswith("SELECT")]) == 1
