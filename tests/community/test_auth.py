"""Log in, log out and reset a password; nothing but the login page for strangers."""

import re

import pytest
from django.core import mail

from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/groups/", "/people/", "/insights/"])
def test_anonymous_visitor_is_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_member_logs_in_with_username_and_password(client):
    user = UserFactory(username="ann")
    response = client.post(
        "/accounts/login/", {"username": "ann", "password": TEST_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    assert response.context["user"] == user
    assert user.profile.display_name in response.content.decode()


def test_wrong_password_shows_a_clear_message_and_no_session(client):
    UserFactory(username="ann")
    response = client.post("/accounts/login/", {"username": "ann", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_deactivated_member_cannot_log_in(client):
    UserFactory(username="gone", is_active=False)
    client.post("/accounts/login/", {"username": "gone", "password": TEST_PASSWORD})
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_ends_the_session(member_client):
    assert member_client.get("/accounts/logout/").status_code == 405
    response = member_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert member_client.get("/").status_code == 302


def test_password_reset_mails_a_working_link(client):
    user = UserFactory(email="ann@buzz.example")
    response = client.post("/accounts/password_reset/", {"email": "ann@buzz.example"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-much-better-pass-2026", "new_password2": "a-much-better-pass-2026"},
        follow=True,
    )
    assert "Password changed" in done.content.decode()
    user.refresh_from_db()
    assert user.check_password("a-much-better-pass-2026")


def test_password_reset_for_unknown_address_reveals_nothing(client):
    response = client.post("/accounts/password_reset/", {"email": "nobody@buzz.example"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_used_reset_link_gives_a_clear_page(client):
    response = client.get("/accounts/reset/MQ/set-password/")
    assert response.status_code == 200
    assert "This reset link is no longer valid" in response.content.decode()
