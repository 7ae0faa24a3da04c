"""Notifications: who is told what, grouped, muted, by preference, never a leak."""

import io

import pytest
from django.core import mail
from django.utils import translation

from feed import services
from feed.models import DeliveryChoice, LiveEvent, Notification, NotificationKind
from feed.selectors import notification_text
from groups import services as group_services
from groups.models import Role, Visibility
from profiles import services as profile_services
from profiles.models import Profile
from tests.factories import GroupFactory, MembershipFactory, PostFactory, UserFactory
from tests.helpers import assert_constant_query_count

pytestmark = pytest.mark.django_db


def only(user) -> Notification:
    return Notification.objects.get(recipient=user)


def test_mention_comment_and_reply_tell_the_right_people():
    author, ann, bob = UserFactory(), UserFactory(username="ann"), UserFactory()
    post = services.post_create(actor=author, body="Ask @ann")
    assert only(ann).kind == NotificationKind.MENTION
    first = services.comment_create(actor=bob, post=post, body="me too")
    assert only(author).kind == NotificationKind.COMMENT
    services.comment_create(actor=ann, post=post, body="sure", parent=first)
    assert only(bob).kind == NotificationKind.REPLY


def test_nobody_is_notified_of_their_own_acts():
    author = UserFactory(username="self")
    post = services.post_create(actor=author, body="note to @self")
    services.comment_create(actor=author, post=post, body="bump")
    services.reaction_toggle(actor=author, kind="like", post=post)
    assert not Notification.objects.exists()


def test_reactions_are_grouped_while_unread_and_start_afresh_after_reading():
    author = UserFactory()
    post = PostFactory(author=author, group=None)
    ann = UserFactory(first_name="Ann", last_name="Smith")
    for reactor in [UserFactory(), UserFactory(), ann]:
        services.reaction_toggle(actor=reactor, kind="like", post=post)
    grouped = only(author)
    with translation.override("en"):
        assert notification_text(grouped) == "Ann Smith and 2 others reacted to your post"
    services.notifications_mark_read(actor=author)
    services.reaction_toggle(actor=UserFactory(), kind="celebrate", post=post)
    assert Notification.objects.filter(recipient=author).count() == 2


def test_accepted_answer_join_request_and_kudos_are_told():
    asker, expert = UserFactory(), UserFactory()
    question = PostFactory(author=asker, group=None, is_question=True)
    answer = services.comment_create(actor=expert, post=question, body="42")
    services.answer_accept(actor=asker, post=question, comment=answer)
    assert Notification.objects.filter(recipient=expert, kind="answer").exists()

    group = GroupFactory(visibility=Visibility.CLOSED)
    owner = MembershipFactory(group=group, role=Role.OWNER).user
    admin = MembershipFactory(group=group, role=Role.ADMIN).user
    plain = MembershipFactory(group=group).user
    group_services.group_join(actor=UserFactory(), group=group, message="hi")
    assert {n.recipient for n in Notification.objects.filter(kind="join_request")} == {owner, admin}
    assert not Notification.objects.filter(recipient=plain).exists()

    profile_services.kudos_create(actor=asker, receiver=expert, category="helpful", message="Thx")
    assert Notification.objects.filter(recipient=expert, kind="kudos").exists()


def test_mention_in_a_secret_group_never_notifies_an_outsider():
    group = GroupFactory(visibility=Visibility.SECRET)
    insider = MembershipFactory(group=group).user
    UserFactory(username="outsider")
    services.post_create(actor=insider, body="don't tell @outsider", group=group)
    assert not Notification.objects.exists()


def test_turned_off_kind_and_muted_post_or_group_stay_quiet():
    author = UserFactory()
    services.notification_preferences_set(
        actor=author, choices={NotificationKind.REACTION: DeliveryChoice.OFF}
    )
    post = PostFactory(author=author, group=None)
    services.reaction_toggle(actor=UserFactory(), kind="like", post=post)
    assert not Notification.objects.exists()

    services.mute_toggle(actor=author, post=post)
    services.comment_create(actor=UserFactory(), post=post, body="x")
    assert not Notification.objects.exists()

    group = GroupFactory()
    MembershipFactory(group=group, user=author)
    in_group = PostFactory(author=author, group=group)
    services.mute_toggle(actor=author, group=group)
    services.comment_create(actor=MembershipFactory(group=group).user, post=in_group, body="y")
    assert not Notification.objects.exists()
    assert services.mute_toggle(actor=author, group=group) is False  # unmuted again


def test_email_preference_sends_an_email_in_the_members_language(
    django_capture_on_commit_callbacks,
):
    author = UserFactory(email="author@buzz.example")
    Profile.objects.filter(user=author).update(language="nl")
    services.notification_preferences_set(
        actor=author, choices={NotificationKind.COMMENT: DeliveryChoice.EMAIL}
    )
    post = PostFactory(author=author, group=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(actor=UserFactory(), post=post, body="Nice")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["author@buzz.example"]
    assert f"/posts/{post.pk}/" in mail.outbox[0].body
    assert "Nieuwe reactie van" in mail.outbox[0].subject


def test_list_page_opens_and_marks_read_with_constant_queries(member, member_client):
    def notify(count):
        for _ in range(count):
            services.comment_create(
                actor=UserFactory(), post=PostFactory(author=member, group=None), body="hi"
            )

    notify(3)
    assert_constant_query_count(lambda: member_client.get("/notifications/"), lambda: notify(10))
    first = Notification.objects.filter(recipient=member).first()
    response = member_client.get(f"/notifications/{first.pk}/")
    assert response["Location"].startswith(f"/posts/{first.post_id}/")
    first.refresh_from_db()
    assert first.read_at is not None
    member_client.post("/notifications/read-all/")
    assert not Notification.objects.filter(recipient=member, read_at__isnull=True).exists()


def test_someone_elses_notification_is_not_found(member_client):
    other = UserFactory()
    services.comment_create(
        actor=UserFactory(), post=PostFactory(author=other, group=None), body="x"
    )
    assert member_client.get(f"/notifications/{only(other).pk}/").status_code == 404


def test_settings_page_saves_choices(member, member_client):
    choices = {
        kind: (DeliveryChoice.OFF if kind == "reaction" else DeliveryChoice.IN_APP)
        for kind in NotificationKind.values
    }
    member_client.post("/notifications/settings/", {**choices, "digest": "weekly"})
    assert member.notification_preferences.get(kind="reaction").delivery == "off"
    assert member.notification_preferences.get(kind="mention").delivery == "in_app"
    assert member_client.get("/notifications/settings/").status_code == 200


def test_over_the_hourly_budget_notifications_wait_quietly_for_the_digest(settings):
    settings.BUZZ_NOTIFICATIONS_PER_HOUR = 2
    author = UserFactory()
    posts = [PostFactory(author=author, group=None) for _ in range(3)]
    for post in posts:  # one notification per post: three new ones in an hour
        services.comment_create(actor=UserFactory(), post=post, body="hi")
    quiet = list(Notification.objects.filter(recipient=author).values_list("quiet", flat=True))
    assert sorted(quiet) == [False, False, True]
    assert (
        LiveEvent.objects.filter(type="notification.created", recipient_id=author.pk).count() == 2
    )


def test_digest_mails_unread_notifications_once(django_capture_on_commit_callbacks):
    from django.core.management import call_command

    reader = UserFactory(email="reader@buzz.example")
    services.digest_set(actor=reader, frequency="daily")
    services.comment_create(
        actor=UserFactory(), post=PostFactory(author=reader, group=None), body="Are you coming?"
    )
    weekly_default = UserFactory(email="weekly@buzz.example")
    services.comment_create(
        actor=UserFactory(), post=PostFactory(author=weekly_default, group=None), body="x"
    )
    call_command("send_notification_digests", "--frequency", "daily", stdout=io.StringIO())
    assert [message.to for message in mail.outbox] == [["reader@buzz.example"]]
    assert "1 thing you missed" in mail.outbox[0].subject
    assert "commented on your post" in mail.outbox[0].body
    call_command("send_notification_digests", "--frequency", "daily", stdout=io.StringIO())
    assert len(mail.outbox) == 1  # nothing new since the last digest
    call_command("send_notification_digests", "--frequency", "weekly", stdout=io.StringIO())
    assert [message.to for message in mail.outbox][1:] == [["weekly@buzz.example"]]


def test_settings_page_sets_the_digest(member, member_client):
    choices = {kind: DeliveryChoice.IN_APP for kind in NotificationKind.values}
    member_client.post("/notifications/settings/", {**choices, "digest": "off"})
    assert member.digest.frequency == "off"


def test_invite_accepted_is_told_to_the_inviter_with_a_link_to_the_newcomer():
    # The invitations issue calls this when a colleague signs up from an invitation.
    from feed.selectors import notification_url

    inviter, newcomer = UserFactory(), UserFactory(username="newcomer")
    notification = services.notify(
        recipient_id=inviter.pk, kind=NotificationKind.INVITE_ACCEPTED, actor=newcomer
    )
    with translation.override("en"):
        assert notification_text(notification).endswith("accepted your invitation and joined")
    assert notification_url(notification) == "/people/newcomer/"
