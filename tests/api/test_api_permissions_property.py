"""Property: through the API, a member sees exactly the groups and posts the rules
allow, and never one they deny.

Hypothesis builds small random organisations (members, open/closed/secret
groups, memberships, invitations, posts company-wide and in groups, some pinned,
some deleted, follows), then asks every list and detail endpoint of the groups
and posts API as one random member (with a token) and compares with a
plain-Python model of the rules and with groups.selectors. Writes are probed
too: commenting and reacting work exactly on readable posts, posting exactly in
the member's groups.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from django.test import Client, override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from feed.models import Comment, Post
from groups.models import Group, GroupInvitation, Membership, Visibility
from groups.selectors import groups_visible_to, posts_visible_to
from profiles.models import TokenScope
from profiles.services import follow_create
from tests.api.conftest import bearer, token_for
from tests.factories import UserFactory

VISIBILITIES = [Visibility.OPEN, Visibility.CLOSED, Visibility.SECRET]
N_USERS, N_GROUPS = 3, 3
JSON = "application/json"


@dataclass
class Rules:
    """The visibility rules, written out plainly as the oracle."""

    visibility: list[str]
    members: set[tuple[int, int]] = field(default_factory=set)  # (user, group)
    invited: set[tuple[int, int]] = field(default_factory=set)
    post_group: dict[int, int | None] = field(default_factory=dict)
    post_author: dict[int, int] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)
    follows: set[tuple[int, int]] = field(default_factory=set)  # (follower, followed)

    def may_know(self, user: int, group: int) -> bool:
        return (
            self.visibility[group] != Visibility.SECRET
            or (user, group) in self.members
            or (user, group) in self.invited
        )

    def may_read(self, user: int, group: int) -> bool:
        return self.visibility[group] == Visibility.OPEN or (user, group) in self.members

    def may_read_post(self, user: int, post: int) -> bool:
        group = self.post_group[post]
        return post not in self.deleted and (group is None or self.may_read(user, group))

    def in_feed(self, user: int, post: int) -> bool:
        group = self.post_group[post]
        return self.may_read_post(user, post) and (
            group is None
            or (user, group) in self.members
            or (user, self.post_author[post]) in self.follows
        )


world = st.fixed_dictionaries(
    {
        "visibility": st.lists(st.sampled_from(VISIBILITIES), min_size=N_GROUPS, max_size=N_GROUPS),
        "members": st.sets(st.tuples(st.integers(0, N_USERS - 1), st.integers(0, N_GROUPS - 1))),
        "invited": st.sets(st.tuples(st.integers(0, N_USERS - 1), st.integers(0, N_GROUPS - 1))),
        # (group or -1 for company-wide, author, pinned, deleted)
        "posts": st.lists(
            st.tuples(
                st.integers(-1, N_GROUPS - 1),
                st.integers(0, N_USERS - 1),
                st.booleans(),
                st.booleans(),
            ),
            min_size=1,
            max_size=6,
        ),
        "follows": st.sets(st.tuples(st.integers(0, N_USERS - 1), st.integers(0, N_USERS - 1))),
        "viewer": st.integers(0, N_USERS - 1),
    }
)


def _build(spec):
    users = [UserFactory(username=f"u{i}") for i in range(N_USERS)]
    groups = [
        Group.objects.create(name=f"G{i}", slug=f"g{i}", visibility=spec["visibility"][i])
        for i in range(N_GROUPS)
    ]
    rules = Rules(visibility=list(spec["visibility"]))
    for ui, gi in spec["members"]:
        Membership.objects.create(user=users[ui], group=groups[gi])
        rules.members.add((ui, gi))
    for ui, gi in spec["invited"] - spec["members"]:
        GroupInvitation.objects.create(invitee=users[ui], group=groups[gi], invited_by=users[0])
        rules.invited.add((ui, gi))
    for follower, followed in spec["follows"]:
        if follower != followed:
            follow_create(actor=users[follower], followed=users[followed])
            rules.follows.add((follower, followed))
    posts = []
    for index, (gi, author, pinned, deleted) in enumerate(spec["posts"]):
        post = Post.objects.create(
            author=users[author],
            group=groups[gi] if gi >= 0 else None,
            body=f"post-{index}",
            body_html=f"<p>post-{index}</p>",
            pinned_at=timezone.now() if pinned and gi >= 0 else None,
            deleted_at=timezone.now() if deleted else None,
        )
        Comment.objects.create(post=post, author=users[author], body="c", body_html="<p>c</p>")
        posts.append(post)
        rules.post_group[index] = gi if gi >= 0 else None
        rules.post_author[index] = author
        if deleted:
            rules.deleted.add(index)
    return users, groups, posts, rules


def _all_pages(client: Client, url: str, headers) -> list[dict]:
    items, cursor = [], None
    for _ in range(20):  # bounded: the worlds are small
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get(url, params, headers=headers).json()
        items += body["items"] + body.get("pinned", [])
        cursor = body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError(f"{url} did not end")


# Permissions are under test, not rate limits: user and token ids repeat between
# examples (SQLite reuses them after the rollback), and the counters would add up.
@override_settings(
    BUZZ_RATE_POSTS_PER_MINUTE=100_000,
    BUZZ_RATE_COMMENTS_PER_MINUTE=100_000,
    BUZZ_RATE_API_PER_MINUTE=100_000,
)
class ApiShowsExactlyWhatTheRulesAllow(TestCase):
    @settings(
        max_examples=60 if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else 25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(spec=world)
    def test_every_list_and_detail_endpoint_follows_the_rules(self, spec):
        users, groups, posts, rules = _build(spec)
        ui = spec["viewer"]
        viewer = users[ui]
        _token, secret = token_for(viewer, TokenScope.READ_WRITE)
        headers = bearer(secret)
        client = Client()

        # The oracle and the choke point agree (so the API is compared with both).
        known = set(groups_visible_to(viewer).values_list("pk", flat=True))
        readable_posts = set(posts_visible_to(viewer).values_list("pk", flat=True))
        assert known == {g.pk for gi, g in enumerate(groups) if rules.may_know(ui, gi)}
        assert readable_posts == {p.pk for pi, p in enumerate(posts) if rules.may_read_post(ui, pi)}

        listed = {item["id"] for item in _all_pages(client, "/api/v1/groups", headers)}
        assert listed == known, ("directory", rules)

        for gi, group in enumerate(groups):
            base = f"/api/v1/groups/{group.slug}"
            detail = client.get(base, headers=headers)
            assert detail.status_code == (200 if rules.may_know(ui, gi) else 404), ("group", gi)
            expected = 200 if rules.may_read(ui, gi) else 403 if rules.may_know(ui, gi) else 404
            members = client.get(f"{base}/members", headers=headers)
            assert members.status_code == expected, ("members", gi, rules)
            group_posts = client.get(f"{base}/posts", headers=headers)
            assert group_posts.status_code == expected, ("group posts", gi, rules)
            if expected == 200:
                shown = {item["id"] for item in _all_pages(client, f"{base}/posts", headers)}
                allowed = {
                    p.pk
                    for pi, p in enumerate(posts)
                    if rules.post_group[pi] == gi and rules.may_read_post(ui, pi)
                }
                assert shown == allowed, ("group posts", gi, rules)

        feed = {item["id"] for item in _all_pages(client, "/api/v1/feed", headers)}
        assert feed == {p.pk for pi, p in enumerate(posts) if rules.in_feed(ui, pi)}, rules
        assert feed <= readable_posts

        for pi, post in enumerate(posts):
            allowed = rules.may_read_post(ui, pi)
            status = 200 if allowed else 404
            url = f"/api/v1/posts/{post.pk}"
            assert client.get(url, headers=headers).status_code == status, ("post", pi)
            assert client.get(f"{url}/comments", headers=headers).status_code == status
            reaction = client.put(
                f"{url}/reaction", {"kind": "like"}, content_type=JSON, headers=headers
            )
            assert reaction.status_code == status, ("reaction", pi)
            comment = client.post(
                f"{url}/comments", {"body": "probe"}, content_type=JSON, headers=headers
            )
            assert comment.status_code == (201 if allowed else 404), ("comment", pi)

        for gi, group in enumerate(groups):
            response = client.post(
                "/api/v1/posts",
                {"group": group.slug, "body": "x"},
                content_type=JSON,
                headers=headers,
            )
            expected = 201 if (ui, gi) in rules.members else 403 if rules.may_know(ui, gi) else 404
            assert response.status_code == expected, ("posting", gi, rules)
