"""Property: whatever the permission changes, nobody ever sees what the rules deny,
and everybody sees what they allow — through the selectors and through the pages.

Hypothesis builds random organisations (users, groups of every visibility,
memberships, posts with comments and hashtags), then applies random changes
between reads: join, leave, removal, visibility changed, post moved to another
group, post deleted, member deactivated. Checked on the directory, group pages,
post pages with their comments, the hashtag page, bookmarks, file downloads and
search (posts, comments and groups tabs with their counts: first on an index
that lags behind the changes, which must never leak, then on a fresh one, which
must show everything allowed), and the hub wall, which anyone may see: open
groups' posts only.
Leaks happen at changes. The expected answer comes from a plain-Python model of
the rules, not from the code under test. HYPOTHESIS_PROFILE=thorough runs more.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.test import Client, override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from feed.models import Attachment, Bookmark, Comment, Post
from groups.models import Group, Membership, Visibility
from groups.selectors import (
    groups_readable_by,
    groups_visible_to,
    post_readable_by,
    posts_visible_to,
)
from profiles.models import User
from search.services import index_rebuild
from tests.factories import UserFactory

VISIBILITIES = [Visibility.OPEN, Visibility.CLOSED, Visibility.SECRET]
N_USERS, N_GROUPS = 3, 3

change = st.one_of(
    st.tuples(st.just("join"), st.integers(0, N_USERS - 1), st.integers(0, N_GROUPS - 1)),
    st.tuples(st.just("leave"), st.integers(0, N_USERS - 1), st.integers(0, N_GROUPS - 1)),
    st.tuples(st.just("visibility"), st.integers(0, N_GROUPS - 1), st.sampled_from(VISIBILITIES)),
    st.tuples(st.just("move"), st.integers(0, 5), st.integers(-1, N_GROUPS - 1)),
    st.tuples(st.just("delete"), st.integers(0, 5), st.just(0)),
    st.tuples(st.just("deactivate"), st.integers(0, N_USERS - 1), st.just(0)),
)


@dataclass
class Rules:
    """The visibility rules, written out plainly as the oracle."""

    visibility: list[str]
    members: set[tuple[int, int]] = field(default_factory=set)  # (user, group)
    post_group: dict[int, int | None] = field(default_factory=dict)  # post -> group or None
    deleted: set[int] = field(default_factory=set)
    inactive: set[int] = field(default_factory=set)

    def may_know(self, user: int, group: int) -> bool:
        if user in self.inactive:
            return False
        return self.visibility[group] != Visibility.SECRET or (user, group) in self.members

    def may_read(self, user: int, group: int) -> bool:
        if user in self.inactive:
            return False
        return self.visibility[group] == Visibility.OPEN or (user, group) in self.members

    def may_read_post(self, user: int, post: int) -> bool:
        if user in self.inactive or post in self.deleted:
            return False
        group = self.post_group[post]
        return group is None or self.may_read(user, group)


def _build(draw_visibility, draw_members, draw_posts):
    users = [UserFactory(username=f"u{i}") for i in range(N_USERS)]
    groups = [
        Group.objects.create(name=f"G{i} topic", slug=f"g{i}", visibility=draw_visibility[i])
        for i in range(N_GROUPS)
    ]
    rules = Rules(visibility=list(draw_visibility))
    for user_index, group_index in draw_members:
        Membership.objects.get_or_create(user=users[user_index], group=groups[group_index])
        rules.members.add((user_index, group_index))
    author = UserFactory(username="author")
    posts = []
    for index, group_index in enumerate(draw_posts):
        group = groups[group_index] if group_index >= 0 else None
        post = Post.objects.create(
            author=author,
            group=group,
            body=f"post-{index}-body",
            body_html=f"<p>post-{index}-body</p>",
        )
        post.hashtags.add("probe")
        attachment = Attachment(post=post, original_name="n.txt", content_type="text/plain", size=4)
        attachment.file.save(f"p{index}.txt", ContentFile(b"note"), save=False)
        attachment.save()
        post.probe_attachment = attachment
        Comment.objects.create(
            post=post,
            author=author,
            body=f"comment-{index}-text",
            body_html=f"<p>comment-{index}-text</p>",
        )
        posts.append(post)
        rules.post_group[index] = group_index if group_index >= 0 else None
    # Everyone saved every post while they could: bookmarks must follow access.
    Bookmark.objects.bulk_create(Bookmark(user=user, post=post) for user in users for post in posts)
    return users, groups, posts, rules


def _apply(change_, users, groups, posts, rules):
    kind, a, b = change_
    if kind == "join":
        Membership.objects.get_or_create(user=users[a], group=groups[b])
        rules.members.add((a, b))
    elif kind == "leave":
        Membership.objects.filter(user=users[a], group=groups[b]).delete()
        rules.members.discard((a, b))
    elif kind == "visibility":
        Group.objects.filter(pk=groups[a].pk).update(visibility=b)
        rules.visibility[a] = b
    elif kind == "move" and a < len(posts):
        Post.objects.filter(pk=posts[a].pk).update(group=groups[b] if b >= 0 else None)
        rules.post_group[a] = b if b >= 0 else None
    elif kind == "delete" and a < len(posts):
        Post.objects.filter(pk=posts[a].pk).update(deleted_at=timezone.now())
        rules.deleted.add(a)
    elif kind == "deactivate":
        User.objects.filter(pk=users[a].pk).update(is_active=False)
        rules.inactive.add(a)


KIOSK = "property-wall"


def _check_wall(posts, rules) -> None:
    """The hub wall, seen by anyone in the restaurant: open groups' posts only."""
    wall = Client().get(f"/hub/wall/{KIOSK}/?panels=1").content.decode()
    for pi, _post in enumerate(posts):
        group = rules.post_group[pi]
        on_display = (
            pi not in rules.deleted
            and group is not None
            and rules.visibility[group] == Visibility.OPEN
        )
        assert (f"post-{pi}-body" in wall) == on_display, ("wall", pi, rules)


def _check(users, groups, posts, rules, through_pages: bool):
    if through_pages:
        _check_wall(posts, rules)
    for ui, user in enumerate(users):
        user.refresh_from_db()
        known = set(groups_visible_to(user).values_list("pk", flat=True))
        readable = set(groups_readable_by(user).values_list("pk", flat=True))
        visible_posts = set(posts_visible_to(user).values_list("pk", flat=True))
        # The same rule as a filter through a relation (what search and
        # attachments use) must agree with posts_visible_to exactly.
        assert visible_posts == set(
            Post.objects.filter(post_readable_by(user, via="")).values_list("pk", flat=True)
        ), ("post_readable_by", ui, rules)
        for gi, group in enumerate(groups):
            assert (group.pk in known) == rules.may_know(ui, gi), ("know", ui, gi, rules)
            assert (group.pk in readable) == rules.may_read(ui, gi), ("read", ui, gi, rules)
        for pi, post in enumerate(posts):
            assert (post.pk in visible_posts) == rules.may_read_post(ui, pi), (
                "post",
                ui,
                pi,
                rules,
            )
        if not through_pages or ui in rules.inactive:
            continue
        client = Client()
        client.force_login(user)
        directory = client.get("/groups/").content.decode()
        hashtag_page = client.get("/tags/probe/").content.decode()
        saved_page = client.get("/saved/").content.decode()
        for gi, group in enumerate(groups):
            assert (group.name in directory) == rules.may_know(ui, gi), ("directory", ui, gi)
            status = client.get(f"/groups/{group.slug}/").status_code
            assert (status == 200) == rules.may_know(ui, gi), ("group page", ui, gi, status)
        for pi, post in enumerate(posts):
            allowed = rules.may_read_post(ui, pi)
            page = client.get(f"/posts/{post.pk}/")
            assert (page.status_code == 200) == allowed, ("post page", ui, pi, page.status_code)
            assert (f"comment-{pi}-text" in page.content.decode()) == allowed, ("comments", ui, pi)
            assert (f"post-{pi}-body" in hashtag_page) == allowed, ("hashtag", ui, pi)
            assert (f"post-{pi}-body" in saved_page) == allowed, ("bookmarks", ui, pi)
            download = client.get(f"/files/{post.probe_attachment.pk}/")
            assert (download.status_code == 200) == allowed, ("attachment", ui, pi)


def _check_search_all(users, groups, posts, rules) -> None:
    """After all changes: searched on the index as the changes left it (bulk
    updates bypass the outbox, so it lags), then on a rebuilt one."""
    clients = {}
    for ui, user in enumerate(users):
        if ui not in rules.inactive:
            clients[ui] = Client()
            clients[ui].force_login(user)
    for ui, client in clients.items():
        _check_search(client, ui, groups, posts, rules, index_is_fresh=False)
    for kind in ("post", "comment", "group"):
        index_rebuild(kind)
    for ui, client in clients.items():
        _check_search(client, ui, groups, posts, rules, index_is_fresh=True)


def _check_search(client, ui, groups, posts, rules, *, index_is_fresh: bool) -> None:
    """The search tabs: a stale index may miss things but never leaks them."""
    post_hits = client.get("/search/?q=body&tab=post")
    comment_hits = client.get("/search/?q=text&tab=comment").content.decode()
    group_hits = client.get("/search/?q=topic&tab=group").content.decode()
    post_page = post_hits.content.decode()
    for pi, _post in enumerate(posts):
        allowed = rules.may_read_post(ui, pi)
        for found, where in (
            (f"post-{pi}-body" in post_page, "search posts"),
            (f"comment-{pi}-<mark>text</mark>" in comment_hits, "search comments"),
        ):
            assert found == allowed if index_is_fresh else not found or allowed, (where, ui, pi)
    for gi, group in enumerate(groups):
        found = group.name in group_hits
        allowed = rules.may_know(ui, gi)
        assert found == allowed if index_is_fresh else not found or allowed, ("search", ui, gi)
    if index_is_fresh:
        readable = sum(rules.may_read_post(ui, pi) for pi in range(len(posts)))
        assert post_hits.context["counts"]["post"] == readable, ("search count", ui)


@override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="buzz-property-"), BUZZ_KIOSK_TOKEN=KIOSK)
class AccessRulesHold(TestCase):
    @settings(
        max_examples=60 if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else 15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        visibility=st.lists(st.sampled_from(VISIBILITIES), min_size=N_GROUPS, max_size=N_GROUPS),
        members=st.sets(st.tuples(st.integers(0, N_USERS - 1), st.integers(0, N_GROUPS - 1))),
        posts=st.lists(st.integers(-1, N_GROUPS - 1), min_size=1, max_size=6),
        changes=st.lists(change, min_size=1, max_size=6),
        pages_every=st.integers(1, 3),
    )
    def test_nobody_ever_sees_what_the_rules_deny_and_sees_all_they_allow(
        self, visibility, members, posts, changes, pages_every
    ):
        users, groups, post_objects, rules = _build(visibility, members, posts)
        for kind in ("post", "comment", "group"):
            index_rebuild(kind)  # indexed as built; the changes below make it lag
        _check(users, groups, post_objects, rules, through_pages=True)
        for step, change_ in enumerate(changes, start=1):
            _apply(change_, users, groups, post_objects, rules)
            _check(users, groups, post_objects, rules, through_pages=step % pages_every == 0)
        _check_search_all(users, groups, post_objects, rules)
