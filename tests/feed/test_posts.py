"""Posting: who may post where, safe rendering, mentions, hashtags, edits, deletes."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from feed import services
from feed.models import Mention, Revision
from groups.models import Role, Visibility
from metrics.models import ParticipationEvent
from profiles.models import Profile
from tests.factories import GroupFactory, MembershipFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    return GroupFactory(visibility=Visibility.OPEN)


@pytest.fixture
def author(group):
    return MembershipFactory(group=group).user


def test_member_posts_in_group_and_the_act_is_recorded(author, group):
    post = services.post_create(actor=author, body="Hello **guild**", group=group)
    assert post.body_html == "<p>Hello <strong>guild</strong></p>"
    assert ParticipationEvent.objects.filter(actor=author, kind="post", group_id=group.pk).exists()


def test_non_member_cannot_post_in_a_group_even_an_open_one(group):
    with pytest.raises(PermissionDenied):
        services.post_create(actor=UserFactory(), body="hi", group=group)


def test_anyone_posts_company_wide_but_only_community_managers_announce():
    member = UserFactory()
    services.post_create(actor=member, body="Lunch talk at 12")
    with pytest.raises(PermissionDenied):
        services.post_create(actor=member, body="Big news", is_announcement=True)
    Profile.objects.filter(user=member).update(is_community_manager=True)
    member.refresh_from_db()
    assert services.post_create(actor=member, body="Big news", is_announcement=True).is_announcement


def test_announcements_are_company_wide_only(author, group):
    Profile.objects.filter(user=author).update(is_community_manager=True)
    author.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.post_create(actor=author, body="x", group=group, is_announcement=True)


@pytest.mark.parametrize("body", ["", "   \n "])
def test_empty_post_is_refused_with_a_clear_message(author, group, body):
    with pytest.raises(ValidationError, match="Write something first"):
        services.post_create(actor=author, body=body, group=group)


@override_settings(BUZZ_POST_MAX_CHARS=20)
def test_overlong_post_is_refused_with_the_limit(author, group):
    with pytest.raises(ValidationError, match="under 20 characters"):
        services.post_create(actor=author, body="x" * 21, group=group)


def test_archived_group_takes_no_posts(author, group):
    from django.utils import timezone

    group.archived_at = timezone.now()
    group.save()
    with pytest.raises(PermissionDenied):
        services.post_create(actor=author, body="late", group=group)


def test_mentions_link_active_members_only_and_are_recorded(author, group):
    ann = UserFactory(username="ann.smith")
    UserFactory(username="gone", is_active=False)
    post = services.post_create(
        actor=author, body="Thanks @ann.smith and @gone and @nobody!", group=group
    )
    link = '<a class="mention" href="/people/ann.smith/" rel="noopener nofollow">@ann.smith</a>'
    assert link in post.body_html
    assert "@gone" in post.body_html and "/people/gone/" not in post.body_html
    assert list(Mention.objects.values_list("user_id", flat=True)) == [ann.pk]
    assert ParticipationEvent.objects.filter(kind="mention").count() == 1


def test_hashtags_are_linked_and_tagged_case_insensitively(author, group):
    post = services.post_create(actor=author, body="Migrating to #Kubernetes #k8s", group=group)
    assert '<a class="hashtag" href="/tags/kubernetes/"' in post.body_html
    assert sorted(post.hashtags.names()) == ["k8s", "kubernetes"]
    other = services.post_create(actor=author, body="more #KUBERNETES", group=group)
    assert list(other.hashtags.values_list("pk", flat=True)) == list(
        post.hashtags.filter(name="kubernetes").values_list("pk", flat=True)
    )


def test_mentions_and_hashtags_inside_code_stay_text(author, group):
    post = services.post_create(actor=author, body="`@ann #notatag`", group=group)
    assert "hashtag" not in post.body_html
    assert not post.hashtags.exists()


def test_edit_keeps_history_and_marks_edited(author, group):
    post = services.post_create(actor=author, body="first", group=group)
    services.post_update(actor=author, post=post, body="second")
    post.refresh_from_db()
    assert (post.body, post.edited_at is not None) == ("second", True)
    assert list(Revision.objects.filter(post=post).values_list("body", flat=True)) == ["first"]


def test_only_the_author_edits(author, group):
    post = services.post_create(actor=author, body="mine", group=group)
    owner = MembershipFactory(group=group, role=Role.OWNER).user
    with pytest.raises(PermissionDenied):
        services.post_update(actor=owner, post=post, body="theirs")


def test_author_and_group_admins_delete_softly_and_moderators_restore(author, group):
    post = services.post_create(actor=author, body="oops", group=group)
    bystander = MembershipFactory(group=group).user
    with pytest.raises(PermissionDenied):
        services.post_delete(actor=bystander, post=post)
    admin = MembershipFactory(group=group, role=Role.ADMIN).user
    services.post_delete(actor=admin, post=post)
    post.refresh_from_db()
    assert post.deleted_at is not None and post.deleted_by == admin
    with pytest.raises(PermissionDenied):
        services.post_restore(actor=author, post=post)
    services.post_restore(actor=admin, post=post)
    post.refresh_from_db()
    assert post.deleted_at is None


def test_community_manager_moderates_company_wide_posts():
    post = PostFactory(group=None)
    manager = UserFactory()
    with pytest.raises(PermissionDenied):
        services.post_delete(actor=manager, post=post)
    Profile.objects.filter(user=manager).update(is_community_manager=True)
    manager.refresh_from_db()
    services.post_delete(actor=manager, post=post)
