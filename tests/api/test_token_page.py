"""The member's token page (/people/me/tokens/): list, create (the secret shown
once), revoke own tokens only."""

import datetime as dt

import pytest
from django.utils import timezone

from profiles.models import AccessToken, TokenScope
from profiles.selectors import access_token_hash
from tests.api.conftest import bearer, token_for
from tests.factories import UserFactory
from tests.helpers import assert_constant_query_count

pytestmark = pytest.mark.django_db

URL = "/people/me/tokens/"


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_page_lists_own_tokens_with_prefix_scope_and_dates(member_client, member):
    used, _ = token_for(member, name="Power BI", scope=TokenScope.READ)
    AccessToken.objects.filter(pk=used.pk).update(last_used_at=timezone.now())
    token_for(member, name="Deploy bot", scope=TokenScope.READ_WRITE)
    token_for(UserFactory(), name="Someone else's")
    response = member_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Power BI" in html and "Deploy bot" in html
    assert "Someone else" not in html
    assert used.prefix in html
    assert "Read and write" in html
    assert "Never" in html  # the deploy bot's "last used"
    assert html.count('action="/people/me/tokens/') == 2  # a revoke button per token
    assert response["Cache-Control"].startswith("max-age=0")


def test_creating_a_token_shows_the_secret_once(member_client, member):
    response = member_client.post(URL, {"name": "Report", "scope": "read", "expires": "90"})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("buzz_")
    assert secret in response.content.decode()
    assert "not shown again" in response.content.decode()
    assert "no-store" in response["Cache-Control"]

    token = AccessToken.objects.get(user=member)
    assert token.name == "Report" and token.scope == "read"
    assert token.secret_hash == access_token_hash(secret)
    assert token.expires_at - timezone.now() > dt.timedelta(days=89)

    # The secret is nowhere to be seen again.
    again = member_client.get(URL).content.decode()
    assert secret not in again
    assert token.prefix in again
    # And it works.
    assert member_client.get("/api/v1/me", headers=bearer(secret)).json()["id"] == member.pk


def test_token_without_expiry(member_client, member):
    member_client.post(URL, {"name": "Forever", "scope": "read write", "expires": "never"})
    token = AccessToken.objects.get(user=member)
    assert token.expires_at is None and token.scope == TokenScope.READ_WRITE


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "scope": "read", "expires": "30"},
        {"name": "x", "scope": "admin", "expires": "30"},
        {"name": "x", "scope": "read", "expires": "7"},
        {"name": "x" * 81, "scope": "read", "expires": "30"},
    ],
)
def test_invalid_form_makes_no_token(member_client, member, data):
    response = member_client.post(URL, data)
    assert response.status_code == 400
    assert response.context["secret"] is None
    assert not AccessToken.objects.filter(user=member).exists()


def test_member_revokes_own_token(member_client, member):
    token, secret = token_for(member)
    response = member_client.post(f"{URL}{token.pk}/revoke/", follow=True)
    assert response.redirect_chain[-1][0] == URL
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "Revoked on" in response.content.decode()
    assert member_client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_revoking_someone_elses_token_is_a_404_and_it_keeps_working(member_client, client):
    other = UserFactory()
    theirs, secret = token_for(other)
    response = member_client.post(f"{URL}{theirs.pk}/revoke/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200


def test_revoke_needs_post(member_client, member):
    token, _ = token_for(member)
    assert member_client.get(f"{URL}{token.pk}/revoke/").status_code == 405


def test_own_profile_links_to_the_token_page(member_client, member):
    assert URL in member_client.get(f"/people/{member.username}/").content.decode()


def test_token_page_query_count_does_not_grow_with_tokens(member_client, member):
    for n in range(3):
        token_for(member, name=f"t{n}")

    def grow():
        for n in range(10):
            token_for(member, name=f"more{n}")

    assert_constant_query_count(lambda: member_client.get(URL), grow)


def test_token_page_paginates(member_client, member):
    for n in range(25):
        token_for(member, name=f"token-{n:02d}")
    first = member_client.get(URL)
    assert first.context["page"].has_next
    second = member_client.get(URL, {"after": first.context["page"].next_cursor})
    names = [t.name for t in first.context["page"].items + second.context["page"].items]
    assert sorted(names) == [f"token-{n:02d}" for n in range(25)]
