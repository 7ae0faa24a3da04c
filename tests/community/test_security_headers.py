"""Security headers and settings: the Content Security Policy on every page,
framing only for the kiosk wall when configured, cookie flags in production,
Argon2 for new passwords."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher, make_password
from django.test import Client, override_settings

from tests.cms.factories import publish_item
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

KIOSK = "restaurant-screen-7f3a"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def test_pages_carry_a_csp_without_inline_scripts_or_framing(member_client, client):
    for response in (member_client.get("/"), client.get("/accounts/login/")):
        assert response.status_code == 200
        policy = directives(response)
        assert policy["script-src"] == ["'self'"]
        assert "'unsafe-inline'" not in policy["style-src"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]
        assert response["X-Frame-Options"] == "DENY"


def test_the_websocket_and_data_images_are_allowed(client):
    policy = directives(client.get("/accounts/login/"))
    assert "'self'" in policy["connect-src"]
    assert {"ws:", "wss:"} & set(policy["connect-src"])
    assert policy["img-src"] == ["'self'", "data:"]


def test_our_own_pages_have_no_inline_scripts_or_style_attributes(member_client):
    for path in ("/", "/people/me/tokens/", "/groups/", "/insights/leaders/"):
        html = member_client.get(path).content.decode()
        assert not INLINE_SCRIPT.search(html), path
        assert " style=" not in html, path


def test_the_api_docs_need_no_inline_script_and_keep_the_strict_policy(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert not INLINE_SCRIPT.search(response.content.decode())
    assert directives(response)["script-src"] == ["'self'"]


def test_wagtail_admin_gets_its_own_looser_policy(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    item = publish_item("Inline scripts")
    response = client.get(f"/cms-admin/pages/{item.pk}/edit/")
    assert response.status_code == 200
    # Wagtail's page editor ships inline scripts (its date widgets, inline
    # panels): that is why the admin has a policy of its own.
    assert INLINE_SCRIPT.search(response.content.decode())
    policy = directives(response)
    assert "'unsafe-inline'" in policy["script-src"]
    assert policy["frame-ancestors"] == ["'self'"]


def test_the_kiosk_wall_cannot_be_framed_unless_configured(client):
    with override_settings(BUZZ_KIOSK_TOKEN=KIOSK):
        response = client.get(f"/hub/wall/{KIOSK}/")
    assert response.status_code == 200
    assert directives(response)["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"


def test_the_kiosk_wall_may_be_framed_by_the_configured_origins_only(client):
    origin = "https://signage.example.com"
    with override_settings(BUZZ_KIOSK_TOKEN=KIOSK, BUZZ_KIOSK_FRAME_ANCESTORS=[origin]):
        wall = client.get(f"/hub/wall/{KIOSK}/")
        login = client.get("/accounts/login/")
    assert directives(wall)["frame-ancestors"] == [origin]
    assert directives(wall)["script-src"] == ["'self'"]
    assert "X-Frame-Options" not in wall
    # The exception is the wall's alone.
    assert directives(login)["frame-ancestors"] == ["'none'"]
    assert login["X-Frame-Options"] == "DENY"


def test_a_new_password_is_hashed_with_argon2():
    # The suite puts a fast hasher first (tests/conftest.py); this is the real list.
    from community.settings.security import PASSWORD_HASHERS

    with override_settings(PASSWORD_HASHERS=PASSWORD_HASHERS):
        user = UserFactory()
        user.set_password("a-new-long-passphrase")
        user.save()
        assert identify_hasher(user.password).algorithm == "argon2"
        assert user.check_password("a-new-long-passphrase")


def test_an_old_pbkdf2_hash_is_upgraded_to_argon2_on_login():
    from community.settings.security import PASSWORD_HASHERS

    with override_settings(PASSWORD_HASHERS=PASSWORD_HASHERS):
        user = UserFactory()
        user.password = make_password("old-passphrase-1", hasher="pbkdf2_sha256")
        user.save()
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": user.username, "password": "old-passphrase-1"}
        )
        assert response.status_code == 302
        user.refresh_from_db()
        assert identify_hasher(user.password).algorithm == "argon2"


def test_session_cookie_is_httponly_lax_and_secure_in_production(client):
    user = UserFactory()
    with override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True):
        client.get("/accounts/login/")
        response = client.post(
            "/accounts/login/", {"username": user.username, "password": TEST_PASSWORD}
        )
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"] and session["secure"]
    assert session["samesite"] == "Lax"
    csrf = client.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] and csrf["samesite"] == "Lax"


@pytest.fixture
def production_settings(monkeypatch):
    """The settings modules as `make check-deploy` loads them (DEBUG=false);
    reloaded back to the test environment afterwards."""
    from importlib import reload

    import community.settings.base as base
    import community.settings.security as security

    monkeypatch.setenv("DEBUG", "false")
    monkeypatch.setenv("SECRET_KEY", "x" * 60)
    try:
        reload(base)
        yield {**vars(base), **vars(reload(security))}
    finally:
        monkeypatch.undo()
        reload(base)
        reload(security)


def test_production_cookies_are_secure_httponly_and_lax(production_settings):
    assert production_settings["SESSION_COOKIE_SECURE"] is True
    assert production_settings["CSRF_COOKIE_SECURE"] is True
    assert production_settings["SESSION_COOKIE_HTTPONLY"] is True
    assert production_settings["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert production_settings["SECURE_HSTS_SECONDS"] == 31536000
    assert production_settings["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is False


def test_production_policy_allows_only_secure_websockets(production_settings):
    assert production_settings["SECURE_CSP"]["connect-src"] == ["'self'", "wss:"]


def test_sessions_may_end_when_the_browser_closes(monkeypatch):
    from importlib import reload

    import community.settings.security as security

    monkeypatch.setenv("SESSION_EXPIRE_AT_BROWSER_CLOSE", "true")
    try:
        assert reload(security).SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    finally:
        monkeypatch.undo()
        reload(security)
