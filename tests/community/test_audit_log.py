"""The audit log: logins, failed logins, logouts, API token use (once an hour),
changes in the Django admin and moderator actions; read-only in the admin."""

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client, override_settings

from community.models import AuditAction, AuditEntry
from feed.services import post_delete
from groups.models import Role
from tests.api.conftest import bearer, token_for
from tests.community.test_ratelimit import redis_down
from tests.factories import TEST_PASSWORD, MembershipFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db


def entries(action):
    return list(AuditEntry.objects.filter(action=action))


def test_a_login_records_who_from_where_with_a_truncated_user_agent():
    user = UserFactory()
    client = Client(HTTP_USER_AGENT="x" * 1000, REMOTE_ADDR="192.0.2.44")
    client.post("/accounts/login/", {"username": user.username, "password": TEST_PASSWORD})
    (entry,) = entries(AuditAction.LOGIN)
    assert entry.actor == user and entry.username == user.username
    assert entry.ip == "192.0.2.44"
    assert entry.user_agent == "x" * 255


def test_a_failed_login_records_the_name_tried_but_never_the_password():
    Client().post("/accounts/login/", {"username": "Nobody", "password": "s3cret-guess"})
    (entry,) = entries(AuditAction.LOGIN_FAILED)
    assert entry.actor is None and entry.username == "nobody"
    assert "s3cret-guess" not in str(entry.detail)


def test_x_real_ip_is_believed_only_when_configured():
    client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="192.0.2.99")
    client.post("/accounts/login/", {"username": "a", "password": "b"})
    with override_settings(BUZZ_TRUST_X_REAL_IP=True):
        client.post("/accounts/login/", {"username": "a", "password": "b"})
    assert sorted(e.ip for e in entries(AuditAction.LOGIN_FAILED)) == ["10.0.0.2", "192.0.2.99"]


def test_a_logout_is_recorded(member_client, member):
    member_client.post("/accounts/logout/")
    (entry,) = entries(AuditAction.LOGOUT)
    assert entry.actor == member


def test_a_token_use_is_recorded_once_an_hour(client, member):
    token, secret = token_for(member)
    for _ in range(3):
        assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    (entry,) = entries(AuditAction.TOKEN_USED)
    assert entry.actor == member and entry.detail["token"] == token.pk


def test_with_the_cache_down_the_database_keeps_token_use_to_once_an_hour(client, member):
    _token, secret = token_for(member)
    with redis_down():
        for _ in range(2):
            assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    assert len(entries(AuditAction.TOKEN_USED)) == 1


def test_a_django_admin_change_is_recorded(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/profiles/department/add/", {"name": "Legal", "slug": "legal"}, follow=True
    )
    assert response.status_code == 200
    (entry,) = entries(AuditAction.ADMIN_CHANGE)
    assert entry.actor == admin
    assert entry.detail["kind"] == "addition" and entry.detail["object"] == "Legal"


def test_a_log_entry_written_directly_is_recorded_too():
    admin = UserFactory(is_staff=True)
    LogEntry.objects.create(
        user=admin,
        content_type=ContentType.objects.get_for_model(admin),
        object_id=str(admin.pk),
        object_repr="someone",
        action_flag=ADDITION,
    )
    assert entries(AuditAction.ADMIN_CHANGE)[0].detail["model"] == "user"


def test_a_moderator_deleting_a_post_is_recorded_but_an_author_is_not():
    moderator_membership = MembershipFactory(role=Role.ADMIN)
    group, moderator = moderator_membership.group, moderator_membership.user
    own = PostFactory(group=group, author=moderator)
    theirs = PostFactory(group=group)
    post_delete(actor=moderator, post=own)
    assert entries(AuditAction.MODERATOR_ACTION) == []
    post_delete(actor=moderator, post=theirs)
    (entry,) = entries(AuditAction.MODERATOR_ACTION)
    assert entry.actor == moderator
    assert entry.detail == {"action": "delete", "post": theirs.pk, "comment": None}


def test_the_admin_shows_the_log_read_only_with_filters(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)  # itself a login entry
    response = client.get("/admin/community/auditentry/?action__exact=login")
    assert response.status_code == 200
    assert admin.username in response.content.decode()
    assert client.get("/admin/community/auditentry/add/").status_code == 403
    entry = AuditEntry.objects.get()
    assert client.post(f"/admin/community/auditentry/{entry.pk}/delete/").status_code == 403


def test_only_staff_see_the_audit_log(member_client):
    response = member_client.get("/admin/community/auditentry/")
    assert response.status_code == 302  # to the admin login
