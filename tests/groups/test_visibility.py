"""groups.selectors is the one place that decides who sees which group and post."""

import pytest
from django.contrib.auth.models import AnonymousUser

from groups.models import Visibility
from groups.selectors import (
    groups_readable_by,
    groups_visible_to,
    posts_visible_to,
    user_may_read_group,
)
from tests.factories import GroupFactory, MembershipFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def groups():
    return {v: GroupFactory(visibility=v, name=f"{v} group") for v in Visibility}


def test_secret_group_post_never_reaches_non_member(groups):
    outsider = UserFactory()
    post = PostFactory(group=groups[Visibility.SECRET])
    assert post not in posts_visible_to(outsider)
    assert groups[Visibility.SECRET] not in groups_visible_to(outsider)
    assert not user_may_read_group(outsider, groups[Visibility.SECRET])


def test_secret_group_is_known_and_readable_to_its_members(groups):
    insider = MembershipFactory(group=groups[Visibility.SECRET]).user
    post = PostFactory(group=groups[Visibility.SECRET])
    assert post in posts_visible_to(insider)
    assert groups[Visibility.SECRET] in groups_visible_to(insider)


def test_closed_group_is_visible_but_its_posts_are_for_members(groups):
    outsider = UserFactory()
    insider = MembershipFactory(group=groups[Visibility.CLOSED]).user
    post = PostFactory(group=groups[Visibility.CLOSED])
    assert groups[Visibility.CLOSED] in groups_visible_to(outsider)
    assert groups[Visibility.CLOSED] not in groups_readable_by(outsider)
    assert post not in posts_visible_to(outsider)
    assert post in posts_visible_to(insider)


def test_open_group_and_company_wide_posts_reach_every_member(groups):
    reader = UserFactory()
    in_open = PostFactory(group=groups[Visibility.OPEN])
    company_wide = PostFactory(group=None)
    assert {in_open, company_wide} <= set(posts_visible_to(reader))


def test_removed_member_loses_access_at_once(groups):
    membership = MembershipFactory(group=groups[Visibility.SECRET])
    post = PostFactory(group=groups[Visibility.SECRET])
    assert post in posts_visible_to(membership.user)
    membership.delete()
    assert post not in posts_visible_to(membership.user)


def test_deleted_posts_are_visible_to_nobody(groups):
    from django.utils import timezone

    post = PostFactory(group=groups[Visibility.OPEN], deleted_at=timezone.now())
    assert post not in posts_visible_to(post.author)


@pytest.mark.parametrize("viewer", ["anonymous", "deactivated"])
def test_anonymous_and_deactivated_users_see_nothing(groups, viewer):
    user = AnonymousUser() if viewer == "anonymous" else UserFactory(is_active=False)
    PostFactory(group=groups[Visibility.OPEN])
    assert not groups_visible_to(user).exists()
    assert not posts_visible_to(user).exists()


def test_visible_posts_is_one_query_whatever_the_membership_count(
    groups, django_assert_num_queries
):
    reader = UserFactory()
    for group in groups.values():
        MembershipFactory(group=group, user=reader)
        PostFactory(group=group)
    with django_assert_num_queries(1):
        assert len(list(posts_visible_to(reader))) == 3
