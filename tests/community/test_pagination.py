"""Keyset pagination: no row skipped or repeated, even when sort values tie."""

import datetime as dt

import pytest
from django.utils import timezone

from community.pagination import InvalidCursor, keyset_paginate
from feed.models import Post
from tests.factories import GroupFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db


def walk(queryset, ordering, size):
    seen, cursor = [], None
    while True:
        page = keyset_paginate(queryset, ordering=ordering, cursor=cursor, size=size)
        seen.extend(page.items)
        if not page.has_next:
            return seen
        cursor = page.next_cursor


def test_walking_all_pages_visits_every_post_once_in_order_despite_ties():
    author, group = UserFactory(), GroupFactory()
    same_moment = timezone.now()
    for minutes in [0, 0, 0, 5, 5, 9, 9, 9, 9, 12, 30]:
        PostFactory(
            author=author, group=group, created_at=same_moment - dt.timedelta(minutes=minutes)
        )
    ordering = ["-created_at", "-pk"]
    walked = walk(Post.objects.all(), ordering, size=3)
    assert [p.pk for p in walked] == list(
        Post.objects.order_by(*ordering).values_list("pk", flat=True)
    )


def test_ascending_text_ordering_pages_without_gaps():
    users = UserFactory.create_batch(7)
    for user in users[:4]:
        user.profile.display_name = "Same Name"
        user.profile.save()
    from profiles.models import Profile

    walked = walk(Profile.objects.all(), ["display_name", "pk"], size=2)
    assert len(walked) == len({p.pk for p in walked}) == 7


def test_last_page_has_no_next_cursor():
    PostFactory.create_batch(2)
    page = keyset_paginate(Post.objects.all(), ordering=["-created_at", "-pk"], size=2)
    assert page.items and page.next_cursor is None


@pytest.mark.parametrize("cursor", ["garbage", "W10", "WyJub3QgYSBkYXRlIiwgMV0"])
def test_foreign_or_tampered_cursor_is_refused(cursor):
    with pytest.raises(InvalidCursor):
        keyset_paginate(Post.objects.all(), ordering=["-created_at", "-pk"], cursor=cursor)
