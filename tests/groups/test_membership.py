"""Joining, requests, invitations, roles and archiving: who may do what."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from groups import services
from groups.models import JoinRequest, Membership, RequestState, Role, Visibility
from groups.selectors import groups_visible_to, membership_of
from metrics.models import ParticipationEvent
from tests.factories import GroupFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def group_with_owner(visibility=Visibility.OPEN):
    owner = UserFactory()
    group = services.group_create(actor=owner, name="Platform Guild", visibility=visibility)
    return group, owner


def test_creator_becomes_owner_and_slug_is_unique():
    group, owner = group_with_owner()
    again = services.group_create(actor=UserFactory(), name="Platform Guild")
    assert membership_of(owner, group).role == Role.OWNER
    assert (group.slug, again.slug) == ("platform-guild", "platform-guild-2")


def test_group_needs_a_name():
    with pytest.raises(ValidationError):
        services.group_create(actor=UserFactory(), name="   ")


def test_joining_an_open_group_is_immediate_and_recorded():
    group, _ = group_with_owner()
    joiner = UserFactory()
    membership = services.group_join(actor=joiner, group=group)
    assert isinstance(membership, Membership)
    assert ParticipationEvent.objects.filter(actor=joiner, kind="join_group").count() == 1


def test_closed_group_join_is_a_request_the_admins_approve():
    group, owner = group_with_owner(Visibility.CLOSED)
    asker = UserFactory()
    request = services.group_join(actor=asker, group=group, message="I work on IFRS 17")
    assert isinstance(request, JoinRequest)
    assert membership_of(asker, group) is None
    assert services.group_join(actor=asker, group=group) == request  # no duplicate request
    with pytest.raises(PermissionDenied):
        services.join_request_approve(actor=asker, request=request)
    services.join_request_approve(actor=owner, request=request)
    assert membership_of(asker, group).role == Role.MEMBER
    with pytest.raises(ValidationError, match="already decided"):
        services.join_request_decline(actor=owner, request=request)


def test_declined_request_gives_no_access():
    group, owner = group_with_owner(Visibility.CLOSED)
    asker = UserFactory()
    request = services.group_join(actor=asker, group=group)
    services.join_request_decline(actor=owner, request=request)
    request.refresh_from_db()
    assert request.state == RequestState.DECLINED
    assert membership_of(asker, group) is None


def test_secret_group_is_joined_only_through_a_members_invitation():
    group, owner = group_with_owner(Visibility.SECRET)
    stranger, friend = UserFactory(), UserFactory()
    with pytest.raises(PermissionDenied):
        services.group_join(actor=stranger, group=group)
    assert group not in groups_visible_to(friend)
    invitation = services.group_invite(actor=owner, group=group, invitee=friend)
    assert services.group_invite(actor=owner, group=group, invitee=friend) == invitation
    assert group in groups_visible_to(friend)  # the invitee may now see it exists
    services.group_join(actor=friend, group=group)
    assert membership_of(friend, group) is not None
    # Any member of a secret group may bring in a colleague.
    services.group_invite(actor=friend, group=group, invitee=stranger)


def test_members_of_open_groups_cannot_invite_but_admins_can():
    group, owner = group_with_owner()
    member = MembershipFactory(group=group).user
    with pytest.raises(PermissionDenied):
        services.group_invite(actor=member, group=group, invitee=UserFactory())
    services.group_invite(actor=owner, group=group, invitee=UserFactory())


def test_invitation_is_only_for_its_invitee():
    group, owner = group_with_owner(Visibility.SECRET)
    invitation = services.group_invite(actor=owner, group=group, invitee=UserFactory())
    with pytest.raises(PermissionDenied):
        services.invitation_accept(actor=UserFactory(), invitation=invitation)


def test_last_owner_cannot_leave_or_be_demoted():
    group, owner = group_with_owner()
    with pytest.raises(ValidationError, match="only owner"):
        services.membership_leave(actor=owner, group=group)
    with pytest.raises(ValidationError, match="at least one owner"):
        services.membership_set_role(
            actor=owner, membership=membership_of(owner, group), role=Role.MEMBER
        )


def test_owner_hands_over_then_leaves():
    group, owner = group_with_owner()
    heir = MembershipFactory(group=group)
    services.membership_set_role(actor=owner, membership=heir, role=Role.OWNER)
    services.membership_leave(actor=owner, group=group)
    assert membership_of(owner, group) is None


def test_admins_manage_members_but_only_owners_touch_admins_and_owners():
    group, owner = group_with_owner()
    admin = MembershipFactory(group=group, role=Role.ADMIN)
    other_admin = MembershipFactory(group=group, role=Role.ADMIN)
    member = MembershipFactory(group=group)
    with pytest.raises(PermissionDenied):
        services.membership_remove(actor=admin.user, membership=other_admin)
    with pytest.raises(PermissionDenied):
        services.membership_set_role(actor=admin.user, membership=member, role=Role.OWNER)
    services.membership_set_role(actor=admin.user, membership=member, role=Role.ADMIN)
    services.membership_remove(actor=owner, membership=other_admin)
    with pytest.raises(PermissionDenied):
        services.membership_remove(actor=MembershipFactory(group=group).user, membership=member)


def test_archived_group_takes_no_new_members():
    group, owner = group_with_owner()
    services.group_archive(actor=owner, group=group)
    with pytest.raises(ValidationError, match="archived"):
        services.group_join(actor=UserFactory(), group=group)
    with pytest.raises(PermissionDenied):
        services.group_archive(actor=UserFactory(), group=group, archived=False)


def test_only_owners_and_admins_edit_the_group():
    group, owner = group_with_owner()
    member = MembershipFactory(group=group).user
    with pytest.raises(PermissionDenied):
        services.group_update(
            actor=member, group=group, name="Hijacked", description="", visibility="open", tags=[]
        )
    services.group_update(
        actor=owner,
        group=group,
        name="Platform",
        description="d",
        visibility="closed",
        tags=["kubernetes"],
    )
    group.refresh_from_db()
    assert (group.name, group.visibility, list(group.tags.names())) == (
        "Platform",
        "closed",
        ["kubernetes"],
    )


def test_removed_member_is_out_at_once():
    group = GroupFactory(visibility=Visibility.SECRET)
    owner = MembershipFactory(group=group, role=Role.OWNER).user
    member = MembershipFactory(group=group)
    services.membership_remove(actor=owner, membership=member)
    assert group not in groups_visible_to(member.user)


def test_cover_image_is_a_reencoded_banner_and_as_visible_as_the_group(tmp_path, settings):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    picture = io.BytesIO()
    Image.new("RGB", (800, 600), "teal").save(picture, format="PNG")
    owner = UserFactory()
    group = services.group_create(
        actor=owner,
        name="Secret Cove",
        visibility=Visibility.SECRET,
        cover=SimpleUploadedFile("cover.png", picture.getvalue()),
    )
    with group.cover.open("rb") as stored, Image.open(stored) as banner:
        assert (banner.format, banner.size) == ("WEBP", (1200, 300))
    insider, outsider = Client(), Client()
    insider.force_login(owner)
    outsider.force_login(UserFactory())
    assert insider.get(f"/groups/{group.slug}/cover/").status_code == 200
    assert outsider.get(f"/groups/{group.slug}/cover/").status_code == 404


def test_a_cover_that_is_not_an_image_is_refused():
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ValidationError, match="not an image"):
        services.group_create(
            actor=UserFactory(),
            name="Bad cover",
            cover=SimpleUploadedFile("cover.png", b"plain text pretending"),
        )
