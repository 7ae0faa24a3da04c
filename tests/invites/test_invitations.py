"""Invitations: sending, joining, and every way a token can be unusable."""

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from feed.models import Notification
from invites import services
from invites.models import Invitation, Redemption
from metrics.models import ParticipationEvent
from profiles.models import Profile, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
STRONG = "a-sturdy-passphrase-2026"


def link_in_last_mail() -> str:
    return re.search(r"http://[^/]+(/join/[^/\s]+/)", mail.outbox[-1].body).group(1)


def signup_data(**overrides):
    data = {
        "email": "new.colleague@buzz.example",
        "first_name": "Nina",
        "last_name": "New",
        "password": STRONG,
        "password_again": STRONG,
        "job_title": "Analyst",
        "language": "nl",
    }
    return {**data, **overrides}


def test_invitation_from_email_to_a_new_member_who_knows_who_invited_them(
    member, member_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post("/invites/", {"emails": "Nina.New@buzz.example", "note": "Join us!"})
    assert mail.outbox[-1].to == ["nina.new@buzz.example"]
    assert "Join us!" in mail.outbox[-1].body
    assert mail.outbox[-1].alternatives  # plain text and HTML
    join = link_in_last_mail()
    stored = Invitation.objects.get()
    assert stored.token_hash and join.split("/")[2] not in stored.token_hash  # only the hash

    newcomer = Client()
    page = newcomer.get(join)
    assert page.status_code == 200 and "nina.new@buzz.example" in page.content.decode()
    response = newcomer.post(join, signup_data(email="someone.else@buzz.example"))
    assert response.status_code == 302 and response["Location"] == "/welcome/"
    user = User.objects.get(email="nina.new@buzz.example")  # the invited address, not another
    assert user.profile.job_title == "Analyst" and user.profile.language == "nl"
    assert Redemption.objects.get(user=user).invitation.inviter == member
    assert Notification.objects.filter(recipient=member, kind="invite_accepted").exists()
    kinds = set(ParticipationEvent.objects.values_list("kind", flat=True))
    assert {"invite_sent", "invite_accepted"} <= kinds
    # Both ends see the link.
    assert "Nina New" in member_client.get("/invites/").content.decode()
    assert member.profile.display_name in newcomer.get("/invites/").content.decode()


@pytest.mark.parametrize("reason", ["expired", "revoked", "used", "tampered"])
def test_unusable_tokens_get_a_clear_page(member, reason, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_send(actor=member, emails=["x@buzz.example"])
    join = link_in_last_mail()
    invitation = Invitation.objects.get()
    if reason == "expired":
        invitation.expires_at = timezone.now() - dt.timedelta(minutes=1)
        invitation.save()
    elif reason == "revoked":
        services.invitation_revoke(actor=member, invitation=invitation)
    elif reason == "used":
        Client().post(join, signup_data())
    else:
        join = join[:-5] + "abcd/"
    response = Client().get(join)
    assert response.status_code == 410
    assert "This invitation cannot be used" in response.content.decode()


def test_foreign_domains_are_refused_unless_guests_are_allowed(member, settings):
    settings.BUZZ_INVITE_DOMAINS = ["buzz.example"]
    with pytest.raises(services.ValidationError, match="outside the organisation"):
        services.invitation_send(actor=member, emails=["friend@gmail.com"])
    settings.BUZZ_INVITE_GUESTS_ALLOWED = True
    assert services.invitation_send(actor=member, emails=["friend@gmail.com"])[0].status == "sent"


def test_monthly_quota_but_not_for_community_managers(member, settings):
    settings.BUZZ_INVITES_PER_MONTH = 2
    services.invitation_send(actor=member, emails=["a@buzz.example", "b@buzz.example"])
    with pytest.raises(services.ValidationError, match="0 more invitations"):
        services.invitation_send(actor=member, emails=["c@buzz.example"])
    Profile.objects.filter(user=member).update(is_community_manager=True)
    member.refresh_from_db()
    services.invitation_send(actor=member, emails=["c@buzz.example"])


def test_inviting_twice_resends_instead_of_duplicating_and_is_rate_limited(
    member, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_send(actor=member, emails=["twice@buzz.example"])
    first_link = link_in_last_mail()
    assert services.invitation_send(actor=member, emails=["twice@buzz.example"])[0].status == (
        "throttled"
    )
    settings.BUZZ_INVITE_RESEND_MINUTES = 0
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.invitation_send(actor=UserFactory(), emails=["twice@buzz.example"])
    assert outcome[0].status == "resent"
    assert Invitation.objects.count() == 1
    assert Client().get(first_link).status_code == 410  # the resent email has a new token
    assert Client().get(link_in_last_mail()).status_code == 200


def test_nothing_tells_an_inviter_who_already_has_an_account(
    member, django_capture_on_commit_callbacks
):
    UserFactory(email="known@buzz.example")
    with django_capture_on_commit_callbacks(execute=True):
        known = services.invitation_send(actor=member, emails=["known@buzz.example"])
        unknown = services.invitation_send(actor=member, emails=["unknown@buzz.example"])
    assert [o.status for o in known] == [o.status for o in unknown] == ["sent"]
    assert [m.to for m in mail.outbox] == [["unknown@buzz.example"]]  # members are not mailed


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password": "short", "password_again": "short"}, "too short"),
        ({"password_again": "something-else-2026"}, "The two passwords differ"),
        ({"first_name": ""}, "This field is required"),
    ],
)
def test_signup_form_errors_keep_the_form(member, overrides, message):
    _invitation, token = services.invitation_link_create(actor=member, max_uses=3)
    response = Client().post(f"/join/{token}/", signup_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(email="new.colleague@buzz.example").exists()


def test_join_link_serves_its_number_of_colleagues(member):
    _invitation, token = services.invitation_link_create(actor=member, max_uses=2)
    for n in range(2):
        assert (
            Client().post(f"/join/{token}/", signup_data(email=f"p{n}@buzz.example")).status_code
            == 302
        )
    assert Client().get(f"/join/{token}/").status_code == 410
    assert Redemption.objects.filter(invitation__inviter=member).count() == 2


def test_only_the_inviter_or_an_admin_revokes(member):
    invitation, _token = services.invitation_link_create(actor=member)
    with pytest.raises(services.PermissionDenied):
        services.invitation_revoke(actor=UserFactory(), invitation=invitation)
    services.invitation_revoke(actor=UserFactory(is_staff=True), invitation=invitation)


def test_nobody_registers_without_an_invitation(client):
    assert client.get("/join/").status_code == 404
    assert client.get("/join/made-up-token/").status_code == 410


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_redemptions_of_a_single_use_invitation_make_one_account():
    inviter = UserFactory()
    _invitation, token = services.invitation_link_create(actor=inviter, max_uses=1)

    def redeem(n: int) -> str:
        try:
            services.member_signup(
                token=token,
                email=f"racer{n}@buzz.example",
                first_name="Race",
                last_name=str(n),
                password=STRONG,
            )
            return "joined"
        except services.InvitationUnusable:
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(redeem, range(50)))
    assert results.count("joined") == 1
    assert results.count("refused") == 49
    assert User.objects.filter(email__startswith="racer").count() == 1
    assert Invitation.objects.get().uses == 1


def test_one_reminder_after_three_days_with_a_fresh_link(
    member, django_capture_on_commit_callbacks
):
    import io

    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_send(actor=member, emails=["slow@buzz.example"])
    first_link = link_in_last_mail()
    Invitation.objects.update(last_sent_at=timezone.now() - dt.timedelta(days=4))
    call_command("send_invitation_reminders", stdout=io.StringIO())
    assert len(mail.outbox) == 2
    assert Client().get(first_link).status_code == 410
    assert Client().get(link_in_last_mail()).status_code == 200
    Invitation.objects.update(last_sent_at=timezone.now() - dt.timedelta(days=4))
    call_command("send_invitation_reminders", stdout=io.StringIO())
    assert len(mail.outbox) == 2  # only one reminder
