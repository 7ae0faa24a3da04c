"""What a token-authenticated API request costs outside the view: one Redis round
trip counts it against the rate limit and asks whether this hour's token-use audit
entry is due; the rules around both still hold (a refused request is not audited,
the counter always expires, the token is checked in the database every time)."""

import os

import pytest
from django.core.cache import cache, caches
from django.test import override_settings
from redis.connection import Connection

from community import ratelimit
from community.cache import count_and_add
from community.models import AuditAction, AuditEntry
from community.services import token_rate_ident
from profiles.services import token_revoke
from tests.api.conftest import bearer, token_for

pytestmark = pytest.mark.django_db

redis_only = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="the Redis leg only")


def token_uses():
    return AuditEntry.objects.filter(action=AuditAction.TOKEN_USED).count()


@pytest.fixture
def redis_round_trips(monkeypatch):
    """The number of commands (or pipelines) sent to Redis: one per round trip."""
    sent = []
    original = Connection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(command)
        return original(self, command, check_health)

    monkeypatch.setattr(Connection, "send_packed_command", counting)
    return sent


@redis_only
def test_a_token_request_makes_one_redis_round_trip(client, member, redis_round_trips):
    _token, secret = token_for(member)
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    redis_round_trips.clear()
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    assert len(redis_round_trips) == 1


@redis_only
def test_the_rate_limit_counter_always_has_an_expiry():
    backend = caches["default"]
    key = f"{ratelimit.KEY_PREFIX}:expiry-probe"
    assert count_and_add(backend, key, amount=2, timeout=65) == (2, None)
    assert count_and_add(backend, key, amount=1, timeout=65) == (3, None)
    client = backend._cache.get_client(write=True)
    assert 0 < client.ttl(backend.make_and_validate_key(key)) <= 65
    # Django's own calls read and count the same key.
    assert cache.get(key) == 3
    assert cache.incr(key) == 4


def test_count_and_add_marks_only_the_first_time():
    key = f"{ratelimit.KEY_PREFIX}:mark-probe"
    mark = f"{ratelimit.KEY_PREFIX}:mark-probe-mark"
    backend = caches["default"]
    assert count_and_add(backend, key, amount=1, timeout=60, mark=mark, mark_timeout=60) == (
        1,
        True,
    )
    assert count_and_add(backend, key, amount=1, timeout=60, mark=mark, mark_timeout=60) == (
        2,
        False,
    )


@override_settings(BUZZ_RATE_API_PER_MINUTE=1)
def test_a_request_refused_by_the_rate_limit_is_not_audited_and_the_next_allowed_one_is(
    client, member, monkeypatch
):
    now = [1_900_800_000.0]
    monkeypatch.setattr(ratelimit, "clock", lambda: now[0])
    token, secret = token_for(member)
    # Another request used up this minute's budget before this hour's first audit.
    ratelimit.check_api_token(token_rate_ident(token.secret_hash))
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 429
    assert token_uses() == 0
    now[0] += 60
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 429
    assert token_uses() == 1


def test_a_revoked_token_is_refused_on_the_very_next_request(client, member):
    token, secret = token_for(member)
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    token_revoke(actor=member, token_id=token.pk)
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_a_deactivated_members_token_is_refused_on_the_very_next_request(client, member):
    _token, secret = token_for(member)
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401
