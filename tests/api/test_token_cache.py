"""The API serves a resolved token (with its member, profile and department) from
the cache: a token request then makes no query at all. Every change that matters
drops the cached copy before the next request; the cache being down falls back
to the database."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache, caches
from django.test import override_settings
from django.utils import timezone

from community import ratelimit
from community.cache import TOMBSTONE, RedisCache
from community.services import (
    token_cache_forget,
    token_cache_key,
    token_rate_ident,
    token_used_key,
)
from profiles.models import AccessToken, TokenScope
from profiles.selectors import access_token_for_secret, access_token_hash
from profiles.services import token_revoke
from tests.api.conftest import bearer, token_for
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


def cached(token: AccessToken):
    return cache.get(token_cache_key(token.secret_hash))


def cached_token_for(client, member, scope: str = TokenScope.READ, **kwargs):
    """A token of `member` that the API has cached: (AccessToken, secret)."""
    token, secret = token_for(member, scope, **kwargs)
    assert client.get(ME, headers=bearer(secret)).status_code == 200
    assert isinstance(cached(token), AccessToken)
    return token, secret


def test_a_cached_token_request_makes_no_query(client, member):
    _token, secret = token_for(member)
    first, first_sql = count_queries(lambda: client.get(ME, headers=bearer(secret)))
    assert any('"profiles_accesstoken"' in sql and "secret_hash" in sql for sql in first_sql)
    queries, sql = count_queries(lambda: client.get(ME, headers=bearer(secret)))
    assert queries == 0, sql
    assert first > queries


def test_a_cached_token_answers_the_same_as_the_database(client, member):
    _token, secret = token_for(member)
    from_database = client.get(ME, headers=bearer(secret)).json()
    assert client.get(ME, headers=bearer(secret)).json() == from_database


def test_a_revoked_cached_token_is_refused_on_the_very_next_request(client, member):
    token, secret = cached_token_for(client, member)
    token_revoke(actor=member, token_id=token.pk)
    assert client.get(ME, headers=bearer(secret)).status_code == 401


def test_a_deactivated_members_cached_token_is_refused_on_the_very_next_request(client, member):
    _token, secret = cached_token_for(client, member)
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert client.get(ME, headers=bearer(secret)).status_code == 401


def test_an_expired_cached_token_is_refused(client, member, monkeypatch):
    token, secret = cached_token_for(
        client, member, expires_at=timezone.now() + dt.timedelta(hours=1)
    )
    later = token.expires_at + dt.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert client.get(ME, headers=bearer(secret)).status_code == 401


def test_a_cached_token_lives_no_longer_than_its_expiry(client, member):
    token, _secret = cached_token_for(
        client, member, expires_at=timezone.now() + dt.timedelta(seconds=3)
    )
    backend = caches["default"]
    key = backend.make_and_validate_key(token_cache_key(token.secret_hash))
    if isinstance(backend, RedisCache):
        assert 0 < backend._cache.get_client(key).ttl(key) <= 3
    else:  # local memory keeps the moment it expires
        assert backend._expire_info[key] <= token.expires_at.timestamp()


def test_a_scope_change_takes_effect_on_the_very_next_request(client, member):
    token, secret = cached_token_for(client, member, TokenScope.READ_WRITE)
    token.scope = TokenScope.READ  # as the Django admin saves it
    token.save()
    response = client.post(f"/api/v1/me/tokens/{token.pk}/revoke", headers=bearer(secret))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "read_only_token"


def test_a_role_change_shows_on_the_very_next_request(client, member):
    _token, secret = cached_token_for(client, member)
    member.profile.is_community_manager = True
    member.profile.save()
    assert "community_manager" in client.get(ME, headers=bearer(secret)).json()["roles"]


def test_a_staff_flag_or_password_change_drops_the_cached_token(client, member):
    token, secret = cached_token_for(client, member)
    member.is_staff = True
    member.save()
    assert cached(token) == TOMBSTONE
    assert "staff" in client.get(ME, headers=bearer(secret)).json()["roles"]
    assert cached(token) == TOMBSTONE  # and the request above did not refill it

    cache.delete(token_cache_key(token.secret_hash))
    assert client.get(ME, headers=bearer(secret)).status_code == 200
    member.set_password("a new passphrase for Buzz")
    member.save()
    assert cached(token) == TOMBSTONE


def test_a_permission_or_group_change_drops_the_cached_token(client, member):
    token, secret = cached_token_for(client, member)
    member.user_permissions.add(Permission.objects.first())
    assert cached(token) == TOMBSTONE

    cache.delete(token_cache_key(token.secret_hash))
    assert client.get(ME, headers=bearer(secret)).status_code == 200
    Group.objects.create(name="editors").user_set.add(member)
    assert cached(token) == TOMBSTONE


def test_a_login_does_not_drop_the_cached_token(client, member):
    token, _secret = cached_token_for(client, member)
    client.force_login(member)  # writes last_login alone
    assert isinstance(cached(token), AccessToken)


def test_a_token_dropped_meanwhile_is_not_cached_again_by_a_request_that_read_it_before(member):
    token, secret = token_for(member)
    stale = access_token_for_secret(secret)  # a request reads the row ...
    token_revoke(actor=member, token_id=token.pk)  # ... the token is revoked ...
    # ... and the request caches what it read: the tombstone refuses it.
    assert cache.add(token_cache_key(token.secret_hash), stale, timeout=30) is False
    assert cached(token) == TOMBSTONE


def test_forgetting_is_repeated_once_the_transaction_commits(
    member, django_capture_on_commit_callbacks
):
    token, _secret = token_for(member)
    with django_capture_on_commit_callbacks() as callbacks:
        token_cache_forget(secret_hashes=[token.secret_hash])
    cache.delete(token_cache_key(token.secret_hash))  # a stale fill slipped in between
    for callback in callbacks:
        callback()
    assert cached(token) == TOMBSTONE


def test_an_unknown_token_is_refused_and_leaves_nothing_in_the_cache(client, monkeypatch):
    monkeypatch.setattr(ratelimit, "clock", lambda: 1_900_800_000.0)
    secret = "buzz_" + "x" * 40
    secret_hash = access_token_hash(secret)
    assert client.get(ME, headers=bearer(secret)).status_code == 401
    assert client.get(ME, headers=bearer(secret)).status_code == 401
    ident = token_rate_ident(secret_hash)
    counter = f"{ratelimit.KEY_PREFIX}:api-token:{ident}:{1_900_800_000 // 60 * 60}"
    left = [counter, token_used_key(secret_hash), token_cache_key(secret_hash)]
    assert cache.get_many(left) == {}


# Nothing listens on port 1: every cache call fails at once.
UNREACHABLE_REDIS = {
    "default": {"BACKEND": "community.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}


def test_with_the_cache_down_tokens_are_checked_in_the_database(client, member):
    token, secret = token_for(member)
    with override_settings(CACHES=UNREACHABLE_REDIS):
        response = client.get(ME, headers=bearer(secret))
        assert response.status_code == 200
        assert response.json()["id"] == member.pk
        token_revoke(actor=member, token_id=token.pk)  # the cache cannot be told
        assert client.get(ME, headers=bearer(secret)).status_code == 401
