"""Invitations through the API: mine, sending within quota and domains (the
service's rules), revoking only my own."""

import json

import pytest
from django.core import mail

from invites import services
from invites.models import Invitation
from profiles.models import TokenScope
from tests.api.conftest import bearer, token_for
from tests.api.test_auth import assert_error
from tests.factories import UserFactory
from tests.helpers import assert_constant_query_count

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _organisation_domain(settings):
    settings.BUZZ_INVITE_DOMAINS = ["buzz.example"]
    settings.BUZZ_INVITE_GUESTS_ALLOWED = False


def invite(client, email="nina.new@buzz.example", note="Join us!", **kwargs):
    return client.post(
        "/api/v1/invitations",
        {"email": email, "note": note},
        content_type="application/json",
        **kwargs,
    )


def test_invite_a_colleague_by_email(session_client, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(session_client(member), email="Nina.New@buzz.example")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["email"] == "nina.new@buzz.example" and body["status"] == "sent"
    assert body["invitation"]["status"] == "pending"
    assert body["invitation"]["note"] == "Join us!"
    assert mail.outbox[-1].to == ["nina.new@buzz.example"]
    assert Invitation.objects.get().inviter == member


def test_inviting_again_at_once_is_throttled_not_duplicated(session_client, member):
    client = session_client(member)
    invite(client)
    again = invite(client).json()
    assert again["status"] == "throttled"
    assert Invitation.objects.count() == 1


def test_another_members_open_invitation_is_not_shown_to_me(session_client, member):
    other = UserFactory()
    services.invitation_send(actor=other, emails=["nina.new@buzz.example"])
    body = invite(session_client(member)).json()
    assert body["status"] == "throttled"
    assert body["invitation"] is None


def test_an_address_outside_the_organisation_is_a_422(session_client, member):
    response = invite(session_client(member), email="friend@gmail.com")
    error = assert_error(response, 422, "invalid")
    assert "outside the organisation" in error["message"]
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [{"email": "not-an-address"}, {"note": "hi"}, {"email": "a@buzz.example", "note": "x" * 501}],
)
def test_bad_input_is_a_422(session_client, member, payload):
    response = session_client(member).post(
        "/api/v1/invitations", payload, content_type="application/json"
    )
    assert_error(response, 422, "invalid")
    assert not Invitation.objects.exists()


def test_the_monthly_quota_holds(session_client, member, settings):
    settings.BUZZ_INVITES_PER_MONTH = 1
    client = session_client(member)
    assert invite(client, email="one@buzz.example").status_code == 200
    error = assert_error(invite(client, email="two@buzz.example"), 422, "invalid")
    assert "more invitations this month" in error["message"]
    assert Invitation.objects.count() == 1


def test_a_read_token_may_not_invite(client, member):
    _token, secret = token_for(member, TokenScope.READ)
    assert_error(invite(client, headers=bearer(secret)), 403, "read_only_token")
    assert not Invitation.objects.exists()


def test_my_invitations_newest_first_never_anyone_elses(session_client, member):
    services.invitation_send(actor=member, emails=["a@buzz.example"])
    services.invitation_send(actor=member, emails=["b@buzz.example"])
    services.invitation_send(actor=UserFactory(), emails=["c@buzz.example"])
    body = session_client(member).get("/api/v1/invitations").json()
    assert [i["email"] for i in body["items"]] == ["b@buzz.example", "a@buzz.example"]
    assert body["items"][0]["kind"] == "email"


def test_my_invitations_page_by_cursor(session_client, member):
    services.invitation_send(actor=member, emails=[f"p{n}@buzz.example" for n in range(3)])
    client = session_client(member)
    first = client.get("/api/v1/invitations", {"limit": 2}).json()
    rest = client.get("/api/v1/invitations", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert len(first["items"]) == 2 and len(rest["items"]) == 1
    assert_error(client.get("/api/v1/invitations", {"cursor": "bad"}), 422, "invalid")


def test_my_invitations_query_count_does_not_grow(session_client, member):
    counter = iter(range(1000))

    def grow():
        services.invitation_send(
            actor=member, emails=[f"q{next(counter)}@buzz.example" for _ in range(4)]
        )
        services.invitation_link_create(actor=member, max_uses=5)

    grow()
    client = session_client(member)
    assert_constant_query_count(lambda: client.get("/api/v1/invitations"), grow)


def test_revoke_my_invitation(session_client, member):
    services.invitation_send(actor=member, emails=["a@buzz.example"])
    invitation = Invitation.objects.get()
    response = session_client(member).post(f"/api/v1/invitations/{invitation.pk}/revoke")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "revoked"
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_revoking_someone_elses_invitation_is_404_and_keeps_it(session_client, member):
    services.invitation_send(actor=UserFactory(), emails=["a@buzz.example"])
    theirs = Invitation.objects.get()
    client = session_client(member)
    assert_error(client.post(f"/api/v1/invitations/{theirs.pk}/revoke"), 404, "not_found")
    assert_error(client.post("/api/v1/invitations/999999/revoke"), 404, "not_found")
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_invitations_need_authentication(client):
    assert_error(client.get("/api/v1/invitations"), 401, "unauthenticated")


def test_openapi_lists_the_invitation_paths(client):
    paths = json.loads(client.get("/api/v1/openapi.json").content)["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/invitations"])
    assert "post" in paths["/api/v1/invitations/{invitation_id}/revoke"]
