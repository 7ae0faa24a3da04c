"""Acting on another member's objects by id, through the web views: every
attempt is refused (403 or 404) and nothing changes."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from feed import services as feed_services
from feed.models import Bookmark, Comment, Notification, NotificationKind, Post
from groups.models import Visibility
from invites import services as invite_services
from invites.models import Invitation
from profiles.models import Endorsement
from profiles.services import endorsement_create, profile_expertise_set
from tests.factories import (
    CommentFactory,
    GroupFactory,
    MembershipFactory,
    PostFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

REFUSED = (403, 404)


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def owner(db):
    return UserFactory()


@pytest.fixture
def intruder(db):
    return UserFactory()


@pytest.fixture
def intruder_client(intruder) -> Client:
    client = Client()
    client.force_login(intruder)
    return client


def test_editing_another_members_post_is_refused(owner, intruder_client):
    post = PostFactory(author=owner, group=None, body="mine")
    assert intruder_client.get(f"/posts/{post.pk}/edit/").status_code in REFUSED
    response = intruder_client.post(f"/posts/{post.pk}/edit/", {"body": "hijacked"})
    assert response.status_code in REFUSED
    post.refresh_from_db()
    assert post.body == "mine"


def test_deleting_another_members_post_is_refused(owner, intruder_client):
    post = PostFactory(author=owner, group=None)
    response = intruder_client.post(f"/posts/{post.pk}/delete/")
    assert response.status_code in REFUSED
    post.refresh_from_db()
    assert post.deleted_at is None


def test_editing_another_members_comment_is_refused(owner, intruder_client):
    comment = CommentFactory(author=owner, post=PostFactory(group=None), body="mine")
    response = intruder_client.post(f"/comments/{comment.pk}/edit/", {"body": "hijacked"})
    assert response.status_code in REFUSED
    comment.refresh_from_db()
    assert comment.body == "mine"


def test_deleting_another_members_comment_is_refused(owner, intruder_client):
    comment = CommentFactory(author=owner, post=PostFactory(group=None))
    response = intruder_client.post(f"/comments/{comment.pk}/delete/")
    assert response.status_code in REFUSED
    assert Comment.objects.get(pk=comment.pk).deleted_at is None


def test_revoking_another_members_invitation_is_refused(owner, intruder_client):
    invite_services.invitation_send(actor=owner, emails=["nina.new@buzz.example"])
    invitation = Invitation.objects.get(inviter=owner)
    response = intruder_client.post(f"/invites/{invitation.pk}/revoke/")
    assert response.status_code in REFUSED
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_withdrawing_does_not_touch_another_members_endorsement(owner, intruder, intruder_client):
    # An endorsement is addressed by (endorser, endorsed, tag): a withdrawal by
    # someone else can only ever remove the withdrawer's own.
    expert = UserFactory()
    profile_expertise_set(actor=expert, profile=expert.profile, names=["Kubernetes"])
    endorsement, _created = endorsement_create(actor=owner, endorsed=expert, tag_name="Kubernetes")
    intruder_client.post(
        f"/people/{expert.username}/endorse/", {"tag": "Kubernetes", "action": "withdraw"}
    )
    assert Endorsement.objects.filter(pk=endorsement.pk).exists()


def test_another_members_saved_posts_never_show_on_my_saved_page(owner, intruder_client):
    post = PostFactory(group=None, body="owner saved this")
    feed_services.bookmark_toggle(actor=owner, post=post)
    for url in ("/saved/", f"/saved/?user={owner.pk}", f"/saved/?user={owner.username}"):
        response = intruder_client.get(url)
        assert response.status_code == 200
        assert "owner saved this" not in response.content.decode()
    assert Bookmark.objects.filter(user=owner, post=post).exists()


def test_attachment_of_a_secret_group_post_is_refused_to_a_non_member(intruder_client):
    group = GroupFactory(visibility=Visibility.SECRET)
    insider = MembershipFactory(group=group).user
    post = feed_services.post_publish(
        actor=insider,
        body="plans",
        group=group,
        uploads=[SimpleUploadedFile("plan.txt", b"the secret plan")],
    )
    attachment = post.attachments.get()
    response = intruder_client.get(f"/files/{attachment.pk}/")
    assert response.status_code in REFUSED
    assert b"the secret plan" not in b"".join(getattr(response, "streaming_content", [])) + (
        b"" if response.streaming else response.content
    )


def test_opening_another_members_notification_is_refused(owner, intruder_client):
    post = PostFactory(author=owner, group=None)
    commenter = UserFactory()
    feed_services.comment_create(actor=commenter, post=post, body="nice post")
    notification = Notification.objects.get(recipient=owner, kind=NotificationKind.COMMENT)
    assert notification.read_at is None
    response = intruder_client.get(f"/notifications/{notification.pk}/")
    assert response.status_code in REFUSED
    notification.refresh_from_db()
    assert notification.read_at is None
    # Nor does the intruder's notifications page list it.
    assert "nice post" not in intruder_client.get("/notifications/").content.decode()


def test_restoring_a_post_is_refused_to_a_non_moderator(owner, intruder_client):
    post = PostFactory(author=owner, group=None)
    feed_services.post_delete(actor=owner, post=post)
    response = intruder_client.post(f"/posts/{post.pk}/restore/")
    assert response.status_code in REFUSED
    assert Post.objects.get(pk=post.pk).deleted_at is not None
