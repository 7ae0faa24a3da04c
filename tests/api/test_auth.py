"""Who the API lets in: the browser session (with CSRF on unsafe methods) or a
personal access token; every refusal in the error envelope."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from community.services import token_touched_key
from profiles.models import AccessToken, TokenScope
from profiles.services import token_mark_used, token_revoke
from tests.api.conftest import bearer, token_for
from tests.factories import DepartmentFactory, UserFactory
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


# --- the session ---------------------------------------------------------------------------


def test_me_answers_for_a_session_with_name_department_and_roles(session_client):
    user = UserFactory(profile__department=DepartmentFactory(name="Marketing"))
    user.profile.is_mt_member = True
    user.profile.ambassador_role = "social_master"
    user.profile.save()
    response = session_client(user).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "username": user.username,
        "display_name": user.profile.display_name,
        "department": {"id": user.profile.department_id, "name": "Marketing"},
        "roles": ["mt_member", "social_master"],
        "auth": {"method": "session", "scope": "read write"},
    }


def test_unauthenticated_request_gets_401_in_the_envelope(client):
    error = assert_error(client.get("/api/v1/me"), 401, "unauthenticated")
    assert error["fields"] == {}


def test_401_tells_the_client_to_send_a_bearer_token(client):
    response = client.get("/api/v1/me")
    assert response["WWW-Authenticate"] == 'Bearer realm="Buzz"'


def test_unknown_api_path_is_a_404_in_the_envelope(client):
    assert_error(client.get("/api/v1/no/such/thing"), 404, "not_found")
    assert_error(client.post("/api/v1/nothing-here"), 404, "not_found")


def test_session_post_without_csrf_token_is_refused(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    mine, _ = token_for(member)
    response = client.post(f"/api/v1/me/tokens/{mine.pk}/revoke")
    assert_error(response, 403, "csrf_failed")
    mine.refresh_from_db()
    assert mine.revoked_at is None


def test_session_post_with_the_csrf_token_is_accepted(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    client.get("/people/me/tokens/")  # sets the csrftoken cookie, as a page would
    csrf = client.cookies[settings.CSRF_COOKIE_NAME].value
    mine, _ = token_for(member)
    response = client.post(f"/api/v1/me/tokens/{mine.pk}/revoke", headers={"X-CSRFToken": csrf})
    assert response.status_code == 200, response.content
    assert response.json()["revoked_at"] is not None


def test_anonymous_post_gets_401_not_a_csrf_failure():
    client = Client(enforce_csrf_checks=True)
    assert_error(client.post("/api/v1/me/tokens/1/revoke"), 401, "unauthenticated")


def test_deactivated_member_with_a_live_session_is_refused(member, session_client):
    client = session_client(member)
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert_error(client.get("/api/v1/me"), 401, "unauthenticated")


# --- tokens -----------------------------------------------------------------------------------


def test_token_authenticates_and_says_so(client, member):
    _token, secret = token_for(member)
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 200
    assert response.json()["id"] == member.pk
    assert response.json()["auth"] == {"method": "token", "scope": "read"}


def test_token_needs_no_csrf_token_for_unsafe_methods(member):
    token, secret = token_for(member, TokenScope.READ_WRITE)
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/api/v1/me/tokens/{token.pk}/revoke", headers=bearer(secret))
    assert response.status_code == 200


def test_secret_is_shown_once_and_only_its_hash_is_stored(member):
    token, secret = token_for(member)
    assert secret.startswith("buzz_") and len(secret) == len("buzz_") + 40
    assert token.prefix == secret[:13]
    stored = AccessToken.objects.filter(pk=token.pk).values().get()
    assert secret not in str(stored)
    assert secret[13:] not in str(stored)
    assert len(stored["secret_hash"]) == 64
    # Nothing can give the secret back: the model has no field holding it.
    assert not [
        f for f in AccessToken._meta.fields if "secret" in f.name and f.name != "secret_hash"
    ]


def test_two_tokens_never_share_a_secret(member):
    secrets = {token_for(member)[1] for _ in range(20)}
    assert len(secrets) == 20


@pytest.mark.parametrize(
    "header",
    [
        "Bearer buzz_not-a-real-token",
        "Bearer something-else",
        "Bearer ",
        "bearer buzz_" + "x" * 40,
    ],
)
def test_unknown_token_is_refused(client, member, header):
    assert_error(client.get("/api/v1/me", headers={"Authorization": header}), 401, "invalid_token")


def test_a_bad_token_is_refused_even_with_a_valid_session(member, session_client):
    # Explicit credentials that fail must not be quietly replaced by the cookie.
    client = session_client(member)
    assert_error(client.get("/api/v1/me", headers=bearer("buzz_wrong")), 401, "invalid_token")


def test_revoked_token_is_refused(client, member):
    token, secret = token_for(member)
    token_revoke(actor=member, token_id=token.pk)
    assert_error(client.get("/api/v1/me", headers=bearer(secret)), 401, "invalid_token")


def test_expired_token_is_refused(client, member, monkeypatch):
    _token, secret = token_for(member, expires_at=timezone.now() + dt.timedelta(days=1))
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    # A day later: the token may still be in the API's cache, which checks the expiry.
    later = timezone.now() + dt.timedelta(days=1, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert_error(client.get("/api/v1/me", headers=bearer(secret)), 401, "invalid_token")


def test_deactivated_members_tokens_stop_working(client, member):
    _token_row, secret = token_for(member)
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert_error(client.get("/api/v1/me", headers=bearer(secret)), 401, "invalid_token")


def test_read_token_is_refused_on_post(client, member):
    token, secret = token_for(member, TokenScope.READ)
    response = client.post(f"/api/v1/me/tokens/{token.pk}/revoke", headers=bearer(secret))
    assert_error(response, 403, "read_only_token")
    token.refresh_from_db()
    assert token.revoked_at is None


def test_read_write_token_may_post(client, member):
    other, _ = token_for(member, name="old")
    _token_row, secret = token_for(member, TokenScope.READ_WRITE)
    response = client.post(f"/api/v1/me/tokens/{other.pk}/revoke", headers=bearer(secret))
    assert response.status_code == 200
    assert response.json()["id"] == other.pk


def test_last_used_at_is_set_on_use_and_written_at_most_once_a_minute(client, member, monkeypatch):
    token, secret = token_for(member)
    assert token.last_used_at is None
    client.get("/api/v1/me", headers=bearer(secret))
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None

    # A second request within the minute writes nothing.
    _queries, sql = count_queries(lambda: client.get("/api/v1/me", headers=bearer(secret)))
    assert not [q for q in sql if q.lstrip().upper().startswith("UPDATE")], sql
    token.refresh_from_db()
    assert token.last_used_at == first

    # After a minute (and with it the cache's once-a-minute mark), the next
    # request records the use again, though the token is served from the cache.
    later = first + dt.timedelta(minutes=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    cache.delete(token_touched_key(token.secret_hash))
    client.get("/api/v1/me", headers=bearer(secret))
    token.refresh_from_db()
    assert token.last_used_at == later


def test_token_mark_used_writes_once_for_concurrent_stale_copies(member):
    token, _secret = token_for(member)
    copy = AccessToken.objects.get(pk=token.pk)
    now = timezone.now()
    assert token_mark_used(token=token, now=now) is True
    # Another request that loaded the token before the write: its UPDATE matches nothing.
    assert token_mark_used(token=copy, now=now + dt.timedelta(seconds=5)) is False


# --- managing tokens through the API ---------------------------------------------------------


def test_tokens_list_shows_own_tokens_without_secrets(client, member):
    _mine, secret = token_for(member, name="mine")
    token_for(UserFactory(), name="theirs")
    response = client.get("/api/v1/me/tokens", headers=bearer(secret))
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["name"] for item in items] == ["mine"]
    assert set(items[0]) == {
        "id",
        "name",
        "prefix",
        "scope",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    }
    assert secret not in response.content.decode()


def test_revoking_someone_elses_token_is_a_404_and_changes_nothing(client, member):
    theirs, their_secret = token_for(UserFactory())
    _mine, secret = token_for(member, TokenScope.READ_WRITE)
    response = client.post(f"/api/v1/me/tokens/{theirs.pk}/revoke", headers=bearer(secret))
    assert_error(response, 404, "not_found")
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert client.get("/api/v1/me", headers=bearer(their_secret)).status_code == 200


# --- tokens and the rest of the account ------------------------------------------------------


def test_confirmed_deletion_revokes_the_members_tokens(client, member):
    from profiles.services import deletion_request_confirm, deletion_request_create

    token, secret = token_for(member)
    request = deletion_request_create(actor=member)
    deletion_request_confirm(actor=UserFactory(is_staff=True), request=request)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert_error(client.get("/api/v1/me", headers=bearer(secret)), 401, "invalid_token")


def test_data_export_lists_tokens_but_never_a_secret(member, session_client):
    token, secret = token_for(member, name="Power BI")
    data = session_client(member).get("/people/me/export.json").json()
    assert data["access_tokens"][0]["name"] == "Power BI"
    assert data["access_tokens"][0]["prefix"] == token.prefix
    assert secret not in str(data)
    assert token.secret_hash not in str(data)


def test_admin_lists_tokens_without_their_hash(member):
    admin = UserFactory(is_staff=True, is_superuser=True)
    token, _secret = token_for(member, name="Power BI")
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/profiles/accesstoken/")
    assert listing.status_code == 200
    assert "Power BI" in listing.content.decode()
    detail = client.get(f"/admin/profiles/accesstoken/{token.pk}/change/")
    assert detail.status_code == 200
    assert token.secret_hash not in detail.content.decode()
    assert client.get("/admin/profiles/accesstoken/add/").status_code == 403
