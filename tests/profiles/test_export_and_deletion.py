"""A member downloads all their data, and can ask for their account to be deleted."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from feed.models import Comment, Post
from groups.models import Visibility
from profiles.models import DeletionRequest, DeletionState, Endorsement, Follow, Kudos, User
from profiles.selectors import follow_suggestions_for
from profiles.services import (
    FORMER_COLLEAGUE_NAME,
    deletion_request_cancel,
    deletion_request_confirm,
    deletion_request_create,
    profile_expertise_set,
    profile_photo_set,
)
from tests.factories import CommentFactory, GroupFactory, MembershipFactory, PostFactory
from tests.profiles.factories import (
    EndorsementFactory,
    FollowFactory,
    KudosFactory,
    UserFactory,
    image_upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def active_member():
    """A member with something of everything."""
    member = UserFactory()
    profile_expertise_set(actor=member, profile=member.profile, names=["Go"])
    profile_photo_set(actor=member, profile=member.profile, upload=image_upload())
    colleague = UserFactory()
    EndorsementFactory(endorser=colleague, endorsed=member, tag_name="Go")
    EndorsementFactory(endorser=member, endorsed=colleague, tag_name="SQL")
    FollowFactory(follower=member, followed=colleague)
    FollowFactory(follower=colleague, followed=member)
    KudosFactory(giver=member, receiver=colleague, message="thanks from member")
    KudosFactory(giver=colleague, receiver=member, message="thanks to member")
    post = PostFactory(author=member, body="my post")
    CommentFactory(author=member, post=post, body="my comment")
    member.colleague = colleague
    member.post = post
    return member


def test_export_downloads_all_of_the_members_own_data(active_member, client_for):
    response = client_for(active_member).get("/people/me/export.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        f'attachment; filename="buzz-{active_member.username}.json"'
    )
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    data = response.json()
    assert data["account"]["email"] == active_member.email
    assert data["profile"]["expertise"] == ["Go"]
    assert [e["tag"] for e in data["endorsements_received"]] == ["Go"]
    assert [e["tag"] for e in data["endorsements_given"]] == ["SQL"]
    assert len(data["following"]) == len(data["followers"]) == 1
    assert data["kudos_given"][0]["message"] == "thanks from member"
    assert data["kudos_received"][0]["message"] == "thanks to member"
    assert [p["body"] for p in data["posts"]] == ["my post"]
    assert [c["body"] for c in data["comments"]] == ["my comment"]


def test_export_reads_posts_through_the_visibility_rules(active_member, client_for):
    # A member who left a closed group no longer reads it, by any path.
    left = GroupFactory(visibility=Visibility.CLOSED)
    PostFactory(author=active_member, group=left, body="from a group I left")
    data = client_for(active_member).get("/people/me/export.json").json()
    assert "from a group I left" not in str(data)


def test_export_needs_a_login(client):
    assert client.get("/people/me/export.json").status_code == 302


def test_member_requests_deletion_once_and_can_withdraw(active_member, client_for):
    client = client_for(active_member)
    assert client.get("/people/me/delete/").status_code == 200
    client.post("/people/me/delete/", {"action": "request"})
    client.post("/people/me/delete/", {"action": "request"})
    request = DeletionRequest.objects.get()
    assert request.state == DeletionState.PENDING
    assert "You asked to delete your account" in client.get("/people/me/delete/").content.decode()
    client.post("/people/me/delete/", {"action": "cancel"})
    request.refresh_from_db()
    assert request.state == DeletionState.CANCELLED


def test_only_the_requester_withdraws_and_only_admins_confirm(active_member):
    request = deletion_request_create(actor=active_member)
    with pytest.raises(PermissionDenied):
        deletion_request_cancel(actor=active_member.colleague, request=request)
    with pytest.raises(PermissionDenied):
        deletion_request_confirm(actor=active_member.colleague, request=request)
    with pytest.raises(PermissionDenied):
        deletion_request_confirm(actor=active_member, request=request)
    assert User.objects.get(pk=active_member.pk).is_active


def test_confirmed_deletion_anonymises_the_member_and_their_posts(
    active_member, settings, django_capture_on_commit_callbacks
):
    settings.BUZZ_DELETED_MEMBER_POSTS = "anonymise"
    admin = UserFactory(is_staff=True)
    photo = active_member.profile.photo_avatar
    storage, photo_name = photo.storage, photo.name
    request = deletion_request_create(actor=active_member)
    with django_capture_on_commit_callbacks(execute=True):
        deletion_request_confirm(actor=admin, request=request)

    member = User.objects.get(pk=active_member.pk)
    assert not member.is_active
    assert member.email.endswith("@deleted.invalid")
    assert not member.has_usable_password()
    assert member.profile.display_name == FORMER_COLLEAGUE_NAME
    assert not member.profile.phone and not member.profile.about
    assert not list(member.profile.expertise.names())
    assert not storage.exists(photo_name)
    assert not Endorsement.objects.exists()
    assert not Follow.objects.exists()
    post = Post.objects.get(pk=active_member.post.pk)
    assert post.deleted_at is None
    assert post.author.profile.display_name == FORMER_COLLEAGUE_NAME
    assert post.author != member and not post.author.is_active
    assert Comment.objects.get(body="my comment").author == post.author
    assert Kudos.objects.get().giver == post.author  # the kudos they gave stay, anonymised
    request.refresh_from_db()
    assert (request.state, request.confirmed_by) == (DeletionState.CONFIRMED, admin)
    # One placeholder for everyone.
    other = UserFactory()
    PostFactory(author=other)
    deletion_request_confirm(actor=admin, request=deletion_request_create(actor=other))
    assert User.objects.filter(profile__display_name=FORMER_COLLEAGUE_NAME).count() == 3


def test_confirmed_deletion_can_remove_the_posts_instead(active_member, settings):
    settings.BUZZ_DELETED_MEMBER_POSTS = "remove"
    admin = UserFactory(is_staff=True)
    deletion_request_confirm(actor=admin, request=deletion_request_create(actor=active_member))
    post = Post.objects.get(pk=active_member.post.pk)
    assert post.deleted_at is not None
    assert post.author_id == active_member.pk
    assert Comment.objects.get(body="my comment").deleted_at is not None
    assert not Kudos.objects.exists()


def test_deleted_members_vanish_from_directory_suggestions_and_profile(active_member, client_for):
    admin = UserFactory(is_staff=True)
    name = active_member.profile.display_name
    deletion_request_confirm(actor=admin, request=deletion_request_create(actor=active_member))
    viewer = UserFactory()
    client = client_for(viewer)
    assert name not in client.get("/people/").content.decode()
    assert FORMER_COLLEAGUE_NAME not in client.get("/people/").content.decode()
    assert active_member.pk not in [p.user_id for p in follow_suggestions_for(viewer, limit=50)]
    assert client.get(f"/people/deleted-{active_member.pk}/").status_code == 404


def test_a_request_is_confirmed_only_once(active_member):
    admin = UserFactory(is_staff=True)
    request = deletion_request_create(actor=active_member)
    deletion_request_confirm(actor=admin, request=request)
    with pytest.raises(ValidationError, match="no longer pending"):
        deletion_request_confirm(actor=admin, request=request)


def test_admin_action_confirms_pending_requests(active_member, client_for):
    admin = UserFactory(is_staff=True, is_superuser=True)
    request = deletion_request_create(actor=active_member)
    response = client_for(admin).post(
        "/admin/profiles/deletionrequest/",
        {"action": "confirm_deletion", "_selected_action": [request.pk]},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == DeletionState.CONFIRMED
    assert not User.objects.get(pk=active_member.pk).is_active


def test_profile_page_of_a_member_in_a_closed_group_hides_the_group_posts_after_leaving(
    client_for,
):
    member = UserFactory()
    group = GroupFactory(visibility=Visibility.CLOSED)
    membership = MembershipFactory(group=group, user=member)
    PostFactory(author=member, group=group, body="inside talk")
    client = client_for(member)
    assert "inside talk" in client.get(f"/people/{member.username}/").content.decode()
    membership.delete()
    assert "inside talk" not in client.get(f"/people/{member.username}/").content.decode()
