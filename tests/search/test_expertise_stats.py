"""The people search ranks from ExpertiseStat, counted ahead per member, tag and
group. These tests hold it to the rule it replaces (every piece of evidence read
for the viewer and scored in Python), keep secret groups out of it, and check
that every kind of change recounts the member it concerns."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models import Count, Max, Q
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from feed.models import Comment, Post
from feed.services import post_create, post_delete, reaction_toggle
from groups.models import Group, Membership, Visibility
from groups.selectors import groups_visible_to, post_readable_by
from groups.services import group_join
from profiles.models import Endorsement, EvidenceKind, ExpertiseEvidence, Profile
from profiles.services import endorsement_create, profile_expertise_set
from search.models import ExpertiseStale, ExpertiseStat
from search.selectors import (
    WELL_RECEIVED_REACTIONS,
    TagEvidence,
    _expertise_rows,
    people_search,
)
from search.services import outbox_drain
from tests.factories import GroupFactory, MembershipFactory, UserFactory
from tests.search.organisation import build_organisation

pytestmark = pytest.mark.django_db


def _evidence_read_for(
    viewer: Any, tag_ids: list[int], user_ids: set[int] | None = None
) -> dict[int, dict[int, TagEvidence]]:
    """user id -> tag id -> evidence, for active members, read from every
    piece of evidence (what people_search did before ExpertiseStat)."""
    evidence: dict[int, dict[int, TagEvidence]] = defaultdict(lambda: defaultdict(TagEvidence))
    if not tag_ids:
        return evidence

    def only(field_name: str) -> Q:
        return Q(**{f"{field_name}__in": user_ids}) if user_ids is not None else Q()

    profile_type = ContentType.objects.get_for_model(Profile)
    listed = TaggedItem.objects.filter(content_type=profile_type, tag_id__in=tag_ids).values(
        "object_id", "tag_id"
    )
    owners = dict(
        Profile.objects.filter(pk__in=listed.values("object_id"), user__is_active=True)
        .filter(only("user_id"))
        .values_list("pk", "user_id")
    )
    for row in listed:
        if row["object_id"] in owners:
            evidence[owners[row["object_id"]]][row["tag_id"]].listed = True

    for row in (
        Endorsement.objects.filter(
            tag_id__in=tag_ids, endorser__is_active=True, endorsed__is_active=True
        )
        .filter(only("endorsed_id"))
        .values("endorsed_id", "tag_id")
        .annotate(count=Count("pk"), last=Max("created_at"))
    ):
        item = evidence[row["endorsed_id"]][row["tag_id"]]
        item.endorsements = row["count"]
        item.seen(row["last"])

    # Evidence counts only when the viewer may read the post or answer behind it:
    # a secret group's discussions add nothing they could notice. The rows are
    # read first and their posts checked in one query each (an OR of two IN
    # subqueries makes PostgreSQL scan every visible post).
    rows = list(
        ExpertiseEvidence.objects.filter(tag_id__in=tag_ids, user__is_active=True)
        .filter(only("user_id"))
        .values_list("user_id", "tag_id", "kind", "object_id", "created_at")
    )
    post_ids = {row[3] for row in rows if row[2] == EvidenceKind.POST_TAGGED}
    reactions_on = dict(
        Post.objects.filter(post_readable_by(viewer, via=""), pk__in=post_ids, is_question=False)
        .annotate(reaction_count=Count("reactions"))
        .values_list("pk", "reaction_count")
    )
    answer_ids = {row[3] for row in rows if row[2] == EvidenceKind.ACCEPTED_ANSWER}
    readable_answers = set(
        Comment.objects.filter(
            post_readable_by(viewer), pk__in=answer_ids, deleted_at__isnull=True
        ).values_list("pk", flat=True)
    )
    for user_id, tag_id, kind, object_id, created_at in rows:
        item = evidence[user_id][tag_id]
        if kind == EvidenceKind.ACCEPTED_ANSWER and object_id in readable_answers:
            item.answers += 1
        elif kind == EvidenceKind.POST_TAGGED and object_id in reactions_on:
            item.posts += 1
            if reactions_on[object_id] >= WELL_RECEIVED_REACTIONS:
                item.well_received += 1
        else:
            continue
        item.seen(created_at)

    group_type = ContentType.objects.get_for_model(Group)
    topic_groups = TaggedItem.objects.filter(
        content_type=group_type,
        tag_id__in=tag_ids,
        object_id__in=groups_visible_to(viewer).values("pk"),
    ).values_list("object_id", "tag_id")
    tags_of_group: dict[int, list[int]] = defaultdict(list)
    for group_id, tag_id in topic_groups:
        tags_of_group[group_id].append(tag_id)
    if tags_of_group:
        for user_id, group_id in (
            Membership.objects.filter(group_id__in=tags_of_group.keys(), user__is_active=True)
            .filter(only("user_id"))
            .values_list("user_id", "group_id")
        ):
            for tag_id in tags_of_group[group_id]:
                evidence[user_id][tag_id].groups += 1
    return evidence


def _reference_scores(viewer, tag_ids: list[int], now) -> dict[int, float]:
    """The ranking rule the slow way: the viewer's readable evidence, scored
    per tag in Python; a tag counts towards coverage only with a score. (The
    stored last activity keeps whole seconds: scores agree to about 1e-9.)"""
    scores: dict[int, float] = {}
    for user_id, per_tag in _evidence_read_for(viewer, tag_ids).items():
        counted = [item.score(now) for item in per_tag.values() if item.score(now) > 0]
        if counted:
            scores[user_id] = len(counted) / len(tag_ids) * sum(counted)
    return scores


def _stat_scores(viewer, tag_ids: list[int], now) -> dict[int, float]:
    rows = _expertise_rows(viewer, dict.fromkeys(tag_ids, 1.0), now)
    return {row[0]: float(row[1]) for row in rows}


def _tag_ids(*names: str) -> list[int]:
    return [Tag.objects.get(name=name).pk for name in names]


def test_precounted_scores_equal_the_evidence_read_for_each_viewer():
    org = build_organisation()
    assert ExpertiseStat.objects.exists()
    now = timezone.now()
    viewers = [org.viewer, org.people["lotte"], org.people["eva"], org.people["secret_asker"]]
    queries = [
        ("Kubernetes",),
        ("IFRS 17",),
        ("mortgage pricing",),
        ("Kubernetes", "Docker"),
        ("Kubernetes", "IFRS 17", "Terraform"),
    ]
    compared = 0
    for viewer in viewers:
        for names in queries:
            tag_ids = _tag_ids(*names)
            expected = _reference_scores(viewer, tag_ids, now)
            got = _stat_scores(viewer, tag_ids, now)
            assert got.keys() == expected.keys(), (viewer.username, names)
            for user_id, score in expected.items():
                assert got[user_id] == pytest.approx(score, rel=1e-6), (viewer, names, user_id)
            compared += len(expected)
    assert compared > 40  # the organisation really has experts on these tags


def test_secret_group_answers_count_only_for_its_members():
    org = build_organisation()
    lotte = org.people["lotte"]
    kubernetes = _tag_ids("Kubernetes")
    outsider = _stat_scores(org.viewer, kubernetes, timezone.now())
    insider = _stat_scores(org.people["secret_asker"], kubernetes, timezone.now())
    assert lotte.pk not in outsider  # her four accepted answers are in the red team
    assert insider[lotte.pk] > 0
    outside_search = people_search(org.viewer, "kubernetes")
    inside_search = people_search(org.people["secret_asker"], "kubernetes")
    assert lotte.pk not in {result.profile.user_id for result in outside_search.results}
    assert lotte.pk in {result.profile.user_id for result in inside_search.results}
    assert inside_search.total == outside_search.total + 1


def test_closed_topic_group_counts_for_everyone_but_its_posts_only_for_members():
    author, outsider = UserFactory(), UserFactory()
    forum = GroupFactory(visibility=Visibility.CLOSED)
    forum.tags.add("Solvency")
    MembershipFactory(group=forum, user=author)
    post_create(actor=author, group=forum, body="Capital model review #solvency")
    outbox_drain()
    solvency = _tag_ids("Solvency")
    now = timezone.now()
    assert _stat_scores(outsider, solvency, now) == pytest.approx(
        _reference_scores(outsider, solvency, now)
    )
    assert (
        _stat_scores(author, solvency, now)[author.pk]
        > _stat_scores(outsider, solvency, now)[author.pk]
    )


def _stat(user, tag_name: str, group=None) -> ExpertiseStat | None:
    return ExpertiseStat.objects.filter(
        user=user, tag__name=tag_name, group_id=group.pk if group else None
    ).first()


def test_a_tagged_post_its_reactions_and_its_deletion_are_recounted():
    author = UserFactory()
    group = GroupFactory()
    MembershipFactory(group=group, user=author)
    post = post_create(actor=author, group=group, body="Plan for the state migration #terraform")
    outbox_drain()
    stat = _stat(author, "terraform", group)
    assert (stat.posts, stat.well_received) == (1, 0)
    assert stat.last_activity is not None
    for _ in range(2):
        reaction_toggle(actor=UserFactory(), kind="like", post=post)
    outbox_drain()
    assert _stat(author, "terraform", group).well_received == 1
    post_delete(actor=author, post=post)
    outbox_drain()
    assert _stat(author, "terraform", group) is None
    assert not ExpertiseStale.objects.exists()


def test_listed_tags_endorsements_and_topic_groups_are_recounted():
    member = UserFactory()
    profile_expertise_set(actor=member, profile=member.profile, names=["Kotlin"])
    endorsement_create(actor=UserFactory(), endorsed=member, tag_name="Kotlin")
    topic = GroupFactory()
    topic.tags.add("Kotlin")
    group_join(actor=member, group=topic)
    outbox_drain()
    company_wide = _stat(member, "Kotlin")
    assert (company_wide.listed, company_wide.endorsements) == (True, 1)
    assert _stat(member, "Kotlin", topic).topic_member is True
    profile_expertise_set(actor=member, profile=member.profile, names=[])
    outbox_drain()
    assert _stat(member, "Kotlin").listed is False


def test_a_deactivated_member_leaves_the_results_before_any_recount():
    org = build_organisation()
    anna = org.people["anna"]
    before = people_search(org.viewer, "kubernetes")
    assert anna.pk in {result.profile.user_id for result in before.results}
    anna.is_active = False
    anna.save()
    found = people_search(org.viewer, "kubernetes")
    assert anna.pk not in {result.profile.user_id for result in found.results}
    assert found.total == before.total - 1
    assert sum(value.count for value in found.facets["department"]) == found.total


def _every_stat() -> set[tuple]:
    return set(
        ExpertiseStat.objects.values_list(*(f.attname for f in ExpertiseStat._meta.fields[1:]))
    )


def test_rebuild_command_writes_what_the_incremental_recounts_wrote():
    build_organisation()
    incremental = _every_stat()
    ExpertiseStat.objects.all().delete()
    call_command("expertise_stats_rebuild", verbosity=0)
    rebuilt = _every_stat()
    assert rebuilt == incremental
    assert len(rebuilt) > 10


def test_facets_count_every_match_and_a_tag_filter_narrows_them():
    org = build_organisation()
    everyone = people_search(org.viewer, "kubernetes")
    departments = {value.label: value.count for value in everyone.facets["department"]}
    assert sum(departments.values()) == everyone.total
    tags = {value.value: value.count for value in everyone.facets["tag"]}
    assert tags["Kubernetes"] >= 2
    narrowed = people_search(org.viewer, "kubernetes", filters={"tag": "Docker"})
    assert narrowed.total == tags["Docker"]
    assert {r.profile.user_id for r in narrowed.results} == {org.people["anna"].pk}
    selected = [value for value in narrowed.facets["tag"] if value.selected]
    assert [value.value for value in selected] == ["Docker"]


def test_a_department_filter_that_is_no_id_finds_nobody_and_keeps_its_facet():
    org = build_organisation()
    for department in ["%òV\r\x0c", "²", "9" * 30]:
        found = people_search(org.viewer, "kubernetes", filters={"department": department})
        assert found.total == 0 and found.results == []
        selected = [(v.value, v.count) for v in found.facets["department"] if v.selected]
        assert selected == [(department, 0)]
