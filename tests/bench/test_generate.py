"""The benchmark organisation generator (bench/generate.py), at a tiny size."""

from __future__ import annotations

import hashlib
import os

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from bench.generate import (
    SUBJECT_FOLLOWS,
    SUBJECT_GROUPS,
    TABLES,
    GenerationError,
    generate,
    organisation_flush,
)

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql"))

PEOPLE, GROUPS, POSTS = 300, 70, 3000
LIVE_SIZES = (100, 30, 5)


def _scalar(sql: str, params: list | None = None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()[0]


@pytest.fixture(scope="module")
def org(django_db_setup, django_db_blocker):
    """One tiny organisation for the module, committed (the generator VACUUMs),
    and emptied again afterwards so later modules start from an empty database."""
    if not ON_POSTGRES:
        pytest.skip("the generator needs PostgreSQL")
    with django_db_blocker.unblock():
        # Indexes dropped and rebuilt here; the seed test below loads with them kept.
        built = generate(
            people=PEOPLE,
            groups=GROUPS,
            posts=POSTS,
            seed=7,
            flush=True,
            live_sizes=LIVE_SIZES,
            drop_indexes=True,
        )
        yield built
        organisation_flush()


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="the generator needs PostgreSQL")
@pytest.mark.django_db
class TestGeneratedOrganisation:
    def test_row_counts_are_as_asked(self, org):
        from feed.models import Comment, Post, Reaction
        from groups.models import Group
        from profiles.models import Follow, Profile, User

        assert User.objects.count() == PEOPLE
        assert Profile.objects.count() == PEOPLE
        assert Group.objects.count() == GROUPS
        assert Post.objects.count() == POSTS
        assert 1.0 <= Comment.objects.count() / POSTS <= 2.0
        assert 2.0 <= Reaction.objects.count() / POSTS <= 4.0
        assert 25 <= Follow.objects.count() / PEOPLE <= 60
        assert org.rows["feed_post"] == POSTS

    def test_every_group_post_is_by_a_member_of_its_group(self, org):
        outsiders = _scalar(
            "SELECT count(*) FROM feed_post p WHERE p.group_id IS NOT NULL AND NOT EXISTS"
            " (SELECT 1 FROM groups_membership m"
            "  WHERE m.group_id = p.group_id AND m.user_id = p.author_id)"
        )
        company_wide = _scalar("SELECT count(*) FROM feed_post WHERE group_id IS NULL")
        assert outsiders == 0
        assert 0.05 * POSTS < company_wide < 0.2 * POSTS

    def test_every_foreign_key_points_at_a_row(self, org):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, a.attname, confrelid::regclass::text, f.attname"
                " FROM pg_constraint c"
                " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
                " JOIN pg_attribute f ON f.attrelid = c.confrelid AND f.attnum = c.confkey[1]"
                " WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)",
                [TABLES],
            )
            keys = cursor.fetchall()
        assert len(keys) > 20
        for table, column, target, target_column in keys:
            dangling = _scalar(
                f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND NOT EXISTS"
                f" (SELECT 1 FROM {target} r WHERE r.{target_column} = t.{column})"
            )
            assert dangling == 0, f"{table}.{column} -> {target}"

    def test_subject_is_in_30_groups_none_secret_and_follows_150(self, org):
        from django.db.models import Count

        from groups.models import Membership, Visibility
        from profiles.models import Follow, User

        subject = User.objects.get(username="bench.subject")
        memberships = Membership.objects.filter(user=subject)
        assert memberships.count() == SUBJECT_GROUPS
        assert not memberships.filter(group__visibility=Visibility.SECRET).exists()
        assert sorted(memberships.values_list("group_id", flat=True)) == org.subject_group_ids
        assert Follow.objects.filter(follower=subject).count() == SUBJECT_FOLLOWS
        sizes = sorted(
            Membership.objects.filter(group_id__in=org.subject_group_ids)
            .values("group_id")
            .annotate(n=Count("pk"))
            .values_list("n", flat=True)
        )
        assert sizes[-1] > 5 * sizes[0]  # mixed sizes

    def test_live_groups_have_exactly_their_size_without_the_subject(self, org):
        from groups.models import Group, Visibility

        for size in LIVE_SIZES:
            group = Group.objects.get(slug=f"bench-live-{size}")
            assert group.visibility == Visibility.OPEN
            assert group.memberships.count() == size
            assert not group.memberships.filter(user_id=org.subject_id).exists()
            assert org.live_groups[group.slug] == group.pk

    def test_group_sizes_are_skewed_and_visibility_mixed(self, org):
        from django.db.models import Count

        from groups.models import Group

        sizes = sorted(Group.objects.annotate(n=Count("memberships")).values_list("n", flat=True))
        assert sizes[-1] >= 5 * sizes[len(sizes) // 2]
        visibilities = set(Group.objects.values_list("visibility", flat=True))
        assert {"open", "closed"} <= visibilities

    def test_bodies_render_as_the_feed_renders_them(self, org):
        from feed.models import Mention, Post
        from feed.rendering import render_body

        posts = Post.objects.order_by("pk")[:: POSTS // 300]
        tagged = 0
        for post in posts:
            rendered = render_body(post.body)
            assert post.body_html == rendered.html
            assert sorted(name.lower() for name in post.hashtags.names()) == rendered.hashtags
            assert sorted(
                Mention.objects.filter(post=post).values_list("user_id", flat=True)
            ) == sorted(rendered.mentioned_user_ids)
            tagged += bool(rendered.hashtags)
        assert tagged > 0

    def test_everyone_logs_in_with_the_documented_name_and_password(self, org):
        from django.contrib.auth import authenticate

        assert authenticate(username=org.username(1), password=org.password).pk == 1
        assert authenticate(username="bench.subject", password="bench").pk == org.subject_id

    def test_orm_inserts_continue_after_the_generated_ids(self, org):
        from feed.models import Post
        from feed.services import post_create
        from groups.models import Group
        from profiles.models import User

        subject = User.objects.get(pk=org.subject_id)
        group = Group.objects.get(pk=org.subject_group_ids[0])
        post = post_create(actor=subject, body="Hello from the benchmark #python", group=group)
        assert post.pk == POSTS + 1
        assert Post.objects.filter(hashtags__name__iexact="python", pk=post.pk).exists()

    def test_expert_search_finds_a_person_by_a_skill_they_were_given(self, org):
        from django.contrib.contenttypes.models import ContentType
        from taggit.models import TaggedItem

        from profiles.models import Profile, User
        from search.selectors import people_search

        profile_type = ContentType.objects.get_for_model(Profile)
        person = Profile.objects.get(user_id=42)
        skills = TaggedItem.objects.filter(content_type=profile_type, object_id=person.pk)
        # Their rarest skill, so the test does not depend on ranking among many holders.
        rarest = min(
            skills,
            key=lambda item: TaggedItem.objects.filter(
                content_type=profile_type, tag=item.tag
            ).count(),
        ).tag.name
        viewer = User.objects.get(pk=org.subject_id)
        found = set()
        for page in range(1, 21):
            result = people_search(viewer, rarest, page=page)
            found |= {hit.profile.user_id for hit in result.results}
            if person.user_id in found or not result.has_next:
                break
        assert person.user_id in found, rarest

    def test_subject_home_feed_has_a_full_first_page(self, org):
        from feed.selectors import feed_for_member
        from profiles.models import User

        page = feed_for_member(User.objects.get(pk=org.subject_id))
        assert len(page.items) == 20

    def test_a_second_run_without_flush_is_refused(self, org):
        with pytest.raises(CommandError, match="not empty"):
            call_command("bench_org", people=1100, groups=GROUPS, posts=10, verbosity=0)

    def test_live_groups_larger_than_the_organisation_are_refused(self, org):
        with pytest.raises(GenerationError, match="live group of 1000"):
            generate(people=PEOPLE, groups=GROUPS, posts=10, live_sizes=(1000,))


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="the generator needs PostgreSQL")
@pytest.mark.django_db
def test_flush_keeps_the_wagtail_page_tree(org):
    from wagtail.models import Page, Site

    # --flush ran before the module's load: TRUNCATE ... CASCADE from the users
    # table would have taken the root page and the Site with it.
    assert Page.objects.filter(depth=1).exists()
    assert Site.objects.exists()


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="the generator needs PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_seed_gives_the_same_organisation(org, django_db_blocker):
    def fingerprint() -> str:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT string_agg(concat_ws(',', id, author_id, group_id, body), ';' ORDER BY id)"
                " FROM feed_post"
            )
            posts = cursor.fetchone()[0]
            cursor.execute(
                "SELECT string_agg(concat_ws(',', follower_id, followed_id), ';' ORDER BY id)"
                " FROM profiles_follow"
            )
            follows = cursor.fetchone()[0]
        return hashlib.sha256((posts + follows).encode()).hexdigest()

    before = fingerprint()
    generate(people=PEOPLE, groups=GROUPS, posts=POSTS, seed=7, flush=True, live_sizes=LIVE_SIZES)
    assert fingerprint() == before
    generate(people=PEOPLE, groups=GROUPS, posts=POSTS, seed=8, flush=True, live_sizes=LIVE_SIZES)
    assert fingerprint() != before
    from wagtail.models import Page

    assert Page.objects.filter(depth=1).exists()  # --flush with members leaves Wagtail alone
    generate(people=PEOPLE, groups=GROUPS, posts=POSTS, seed=7, flush=True, live_sizes=LIVE_SIZES)


@pytest.mark.skipif(ON_POSTGRES, reason="the SQLite leg only")
def test_on_sqlite_the_command_says_postgresql_is_needed():
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("bench_org", people=300, groups=70, posts=10, verbosity=0)
