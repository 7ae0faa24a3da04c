"""Rule-bearing reads of search: who is the expert on a topic and why, and what
content a member may find. Backends retrieve; this module ranks people by
evidence, explains the ranking and checks every hit through groups.selectors,
so both backends answer alike and nothing hidden is ever found."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from taggit.models import Tag, TaggedItem

from cms.models import ShareableItemPage
from feed.models import Comment, Post
from groups.models import Group, Membership
from groups.selectors import (
    groups_readable_by,
    groups_visible_to,
    post_readable_by,
    posts_visible_to,
)
from profiles.models import Department, Endorsement, EvidenceKind, ExpertiseEvidence, Profile
from profiles.selectors import tag_autocomplete_list, tag_find, tag_name_normalise

from .backends import get_search_backend
from .backends.base import MARK_END, MARK_START, ContentScope, Hit, SearchBackend, query_terms
from .models import DocumentKind, ExpertiseBound, ExpertiseStat, IndexOutbox

PEOPLE_PAGE = 20
MAX_PAGE = 50  # deep pages of a search are never read; Elasticsearch refuses them
CONTENT_PAGE = 20
TEXT_CANDIDATES = 500
FACET_SIZE = 10
SUGGEST_PEOPLE = 5
SUGGEST_OTHERS = 3
WELL_RECEIVED_REACTIONS = 2
FUZZY_TAG_QUALITY = 0.8
MAX_TAGS_PER_QUERY = 6
# Candidates read per tag in ExpertiseBound order before checking the page is
# settled (x4 each round); a skill with fewer holders is scored whole.
BOUND_DEPTH = 500
# Members scored exactly per round, best bound first (doubling).
BOUND_CHUNK = 50
BOUND_DEPTH_MAX = 8000

# How much each kind of evidence weighs; logarithms so that the hundredth
# endorsement adds less than the second.
TEXT_WEIGHT = 2.0
LISTED_WEIGHT = 3.0
ENDORSEMENT_WEIGHT = 1.5
ANSWER_WEIGHT = 2.5
POST_WEIGHT = 1.0
WELL_RECEIVED_WEIGHT = 1.0
GROUP_WEIGHT = 0.5
GROUPS_COUNTED = 3
RECENCY_FLOOR = 0.6
RECENCY_DAYS = 365.0


# --- index health ----------------------------------------------------------------------


def index_lag() -> dict[str, Any]:
    """How far the index is behind the database: changes waiting in the outbox,
    the age of the oldest, and how many wait for a retry after a failure."""
    summary = IndexOutbox.objects.aggregate(
        pending=Count("pk"),
        oldest=Min("created_at"),
        retrying=Count("pk", filter=Q(attempts__gt=0)),
    )
    oldest = summary["oldest"]
    return {
        "pending": summary["pending"],
        "retrying": summary["retrying"],
        "oldest_seconds": round((timezone.now() - oldest).total_seconds(), 1) if oldest else 0,
    }


# --- query understanding ---------------------------------------------------------------


@dataclass(frozen=True)
class MatchedTag:
    tag: Tag
    quality: float  # 1 for an exact name or synonym, less for a typo correction
    typed: str


def matched_tags(text: str, backend: SearchBackend) -> list[MatchedTag]:
    """The expertise tags a query names: the whole text, word pairs and words,
    exactly or through an admin's synonym; unknown words are corrected to the
    nearest tag (typo tolerance)."""
    found: dict[int, MatchedTag] = {}
    whole = tag_name_normalise(text)
    tag = tag_find(whole) if whole else None
    if tag is not None:
        return [MatchedTag(tag, 1.0, whole)]
    terms = query_terms(text)
    covered: set[int] = set()
    for index in range(len(terms) - 1):
        pair = f"{terms[index]} {terms[index + 1]}"
        tag = tag_find(pair)
        if tag is not None:
            found.setdefault(tag.pk, MatchedTag(tag, 1.0, pair))
            covered.update({index, index + 1})
    for index, term in enumerate(terms):
        if index in covered:
            continue
        tag = tag_find(term)
        if tag is not None:
            found.setdefault(tag.pk, MatchedTag(tag, 1.0, term))
            continue
        for name in backend.fuzzy_tag_names(term, limit=1):
            tag = tag_find(name)
            if tag is not None:
                found.setdefault(tag.pk, MatchedTag(tag, FUZZY_TAG_QUALITY, term))
    return list(found.values())[:MAX_TAGS_PER_QUERY]


# --- expertise evidence ----------------------------------------------------------------


@dataclass
class TagEvidence:
    listed: bool = False
    endorsements: int = 0
    answers: int = 0
    posts: int = 0
    well_received: int = 0
    groups: int = 0
    last_activity: datetime | None = None

    def seen(self, when: datetime | None) -> None:
        if when and (self.last_activity is None or when > self.last_activity):
            self.last_activity = when

    def score(self, now: datetime) -> float:
        activity = (
            ENDORSEMENT_WEIGHT * math.log2(1 + self.endorsements)
            + ANSWER_WEIGHT * math.log2(1 + self.answers)
            + POST_WEIGHT * math.log2(1 + self.posts)
            + WELL_RECEIVED_WEIGHT * math.log2(1 + self.well_received)
            + GROUP_WEIGHT * min(self.groups, GROUPS_COUNTED)
        )
        if self.last_activity is not None:
            age_days = max((now - self.last_activity).total_seconds() / 86400, 0.0)
            recency = RECENCY_FLOOR + (1 - RECENCY_FLOOR) * math.exp(-age_days / RECENCY_DAYS)
        else:
            recency = RECENCY_FLOOR
        return (LISTED_WEIGHT if self.listed else 0.0) + activity * recency


def expertise_stats_count(user_ids: list[int]) -> list[ExpertiseStat]:
    """The expertise statistics of these members, counted from the evidence
    for everyone at once: per (member, tag, group), group None for what is
    company-wide. Who may see which group's part is decided at query time
    (people_search), never here."""
    stats: dict[tuple[int, int, int | None], ExpertiseStat] = {}

    def stat(user_id: int, tag_id: int, group_id: int | None) -> ExpertiseStat:
        key = (user_id, tag_id, group_id)
        if key not in stats:
            stats[key] = ExpertiseStat(user_id=user_id, tag_id=tag_id, group_id=group_id)
        return stats[key]

    def seen(item: ExpertiseStat, when: datetime | None) -> None:
        if when is not None:
            epoch = int(when.timestamp())
            item.last_activity = max(item.last_activity or epoch, epoch)

    profile_type = ContentType.objects.get_for_model(Profile)
    for user_id, tag_id in _listed_tags(user_ids, profile_type):
        stat(user_id, tag_id, None).listed = True
    for row in (
        Endorsement.objects.filter(endorsed_id__in=user_ids, endorser__is_active=True)
        .values("endorsed_id", "tag_id")
        .annotate(count=Count("pk"), last=Max("created_at"))
    ):
        item = stat(row["endorsed_id"], row["tag_id"], None)
        item.endorsements = row["count"]
        seen(item, row["last"])

    evidence = list(
        ExpertiseEvidence.objects.filter(user_id__in=user_ids).values_list(
            "user_id", "tag_id", "kind", "object_id", "created_at"
        )
    )
    post_ids = {row[3] for row in evidence if row[2] == EvidenceKind.POST_TAGGED}
    posts = {
        pk: (group_id, reactions)
        for pk, group_id, reactions in Post.objects.filter(
            pk__in=post_ids, deleted_at__isnull=True, is_question=False
        )
        .annotate(reaction_count=Count("reactions"))
        .values_list("pk", "group_id", "reaction_count")
    }
    answer_ids = {row[3] for row in evidence if row[2] == EvidenceKind.ACCEPTED_ANSWER}
    answers = dict(
        Comment.objects.filter(
            pk__in=answer_ids, deleted_at__isnull=True, post__deleted_at__isnull=True
        ).values_list("pk", "post__group_id")
    )
    for user_id, tag_id, kind, object_id, created_at in evidence:
        if kind == EvidenceKind.ACCEPTED_ANSWER and object_id in answers:
            item = stat(user_id, tag_id, answers[object_id])
            item.answers += 1
        elif kind == EvidenceKind.POST_TAGGED and object_id in posts:
            group_id, reactions = posts[object_id]
            item = stat(user_id, tag_id, group_id)
            item.posts += 1
            if reactions >= WELL_RECEIVED_REACTIONS:
                item.well_received += 1
        else:
            continue
        seen(item, created_at)

    group_type = ContentType.objects.get_for_model(Group)
    memberships = list(
        Membership.objects.filter(user_id__in=user_ids).values_list("user_id", "group_id")
    )
    tags_of_group: dict[int, list[int]] = defaultdict(list)
    for group_id, tag_id in TaggedItem.objects.filter(
        content_type=group_type, object_id__in={group_id for _user, group_id in memberships}
    ).values_list("object_id", "tag_id"):
        tags_of_group[group_id].append(tag_id)
    for user_id, group_id in memberships:
        for tag_id in tags_of_group.get(group_id, ()):
            stat(user_id, tag_id, group_id).topic_member = True
    return list(stats.values())


def _listed_tags(user_ids: list[int], profile_type: ContentType) -> list[tuple[int, int]]:
    owner = dict(Profile.objects.filter(user_id__in=user_ids).values_list("pk", "user_id"))
    return [
        (owner[object_id], tag_id)
        for object_id, tag_id in TaggedItem.objects.filter(
            content_type=profile_type, object_id__in=owner.keys()
        ).values_list("object_id", "tag_id")
    ]


def _evidence_shown(
    viewer: Any, user_ids: list[int], tag_ids: list[int]
) -> tuple[dict[int, dict[int, TagEvidence]], dict[tuple[int, int], str]]:
    """For one page of results: user id -> tag id -> the evidence the viewer may
    see (from ExpertiseStat, as the ranking counted it), and (user, tag) -> the
    readable group holding most of their accepted answers."""
    evidence: dict[int, dict[int, TagEvidence]] = defaultdict(lambda: defaultdict(TagEvidence))
    places: dict[tuple[int, int], str] = {}
    if not user_ids or not tag_ids:
        return evidence, places
    rows = list(
        ExpertiseStat.objects.filter(user_id__in=user_ids, tag_id__in=tag_ids)
        .filter(
            Q(group_id__isnull=True)
            | Q(group_id__in=groups_visible_to(viewer).order_by().values("pk"))
        )
        .order_by("group_id")
    )
    group_ids = {row.group_id for row in rows if row.group_id is not None}
    readable = dict(groups_readable_by(viewer).filter(pk__in=group_ids).values_list("pk", "name"))
    most_answers: dict[tuple[int, int], int] = {}
    for row in rows:
        item = evidence[row.user_id][row.tag_id]
        item.listed = item.listed or row.listed
        item.endorsements += row.endorsements
        item.groups += int(row.topic_member)
        if row.group_id is not None and row.group_id not in readable:
            continue
        item.answers += row.answers
        item.posts += row.posts
        item.well_received += row.well_received
        if row.last_activity is not None:
            item.seen(datetime.fromtimestamp(row.last_activity, tz=UTC))
        key = (row.user_id, row.tag_id)
        if row.group_id is not None and row.answers > most_answers.get(key, 0):
            most_answers[key] = row.answers
            places[key] = readable[row.group_id]
    return evidence, places


# --- people search ---------------------------------------------------------------------


@dataclass
class ExpertResult:
    profile: Profile
    score: float
    reasons: list[str]
    tags: list[str]


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class PeopleSearch:
    query: str
    results: list[ExpertResult]
    total: int
    page: int
    has_next: bool
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    corrections: list[tuple[str, str]] = field(default_factory=list)  # (typed, tag)
    tags: list[str] = field(default_factory=list)
    # None: the facets count every match; else they count the top matches only,
    # this many (a popular skill has thousands of holders, and only the best
    # were scored).
    facets_among: int | None = None


PEOPLE_FACETS = ("department", "location", "language", "tag")


def _reasons(evidence: dict[int, TagEvidence], tags: dict[int, Tag], places: dict, user_id: int):
    reasons: list[str] = []
    now = timezone.now()
    for tag_id, item in sorted(evidence.items(), key=lambda pair: -pair[1].score(now)):
        name = tags[tag_id].name
        parts: list[str] = []
        if item.listed:
            parts.append(_("tagged %(tag)s") % {"tag": name})
        if item.endorsements:
            parts.append(
                ngettext("%(count)d endorsement", "%(count)d endorsements", item.endorsements)
                % {"count": item.endorsements}
            )
        if item.answers:
            place = places.get((user_id, tag_id))
            if place:
                parts.append(
                    ngettext(
                        "%(count)d accepted answer in %(group)s",
                        "%(count)d accepted answers in %(group)s",
                        item.answers,
                    )
                    % {"count": item.answers, "group": place}
                )
            else:
                parts.append(
                    ngettext(
                        "%(count)d accepted answer", "%(count)d accepted answers", item.answers
                    )
                    % {"count": item.answers}
                )
        if item.posts:
            parts.append(
                ngettext("%(count)d post on #%(tag)s", "%(count)d posts on #%(tag)s", item.posts)
                % {"count": item.posts, "tag": name}
            )
        if item.well_received:
            parts.append(
                ngettext("%(count)d well received", "%(count)d well received", item.well_received)
                % {"count": item.well_received}
            )
        if item.groups:
            parts.append(
                ngettext(
                    "member of %(count)d %(tag)s group",
                    "member of %(count)d %(tag)s groups",
                    item.groups,
                )
                % {"count": item.groups, "tag": name}
            )
        if parts:
            if not item.listed:
                parts.insert(0, name)
            reasons.append(", ".join(parts))
    return reasons


def ids_in_sql(column: str, ids: Collection[int]) -> tuple[str, list]:
    """`column IN ids` for raw SQL: one array parameter on PostgreSQL (a list of
    thousands of literals costs more to parse and plan than to run)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(ids)]
    if not ids:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _real(value: float) -> str:
    # A numeric literal would make PostgreSQL compute in NUMERIC.
    return f"CAST({float(value)!r} AS DOUBLE PRECISION)"


def tag_score_sql(now: datetime) -> str:
    """TagEvidence.score as an aggregate over the ExpertiseStat rows `s` of one
    member and tag, counting posts, answers and recency only where
    `s.readable` is 1 (topic groups and endorsements are filtered before)."""

    def ln1p(column: str) -> str:
        return f"LN(1 + SUM(s.readable * s.{column}))"

    topic_groups = "SUM(CASE WHEN s.topic_member THEN 1 ELSE 0 END)"
    activity = (
        f"({_real(ENDORSEMENT_WEIGHT)} * LN(1 + SUM(s.endorsements))"
        f" + {_real(ANSWER_WEIGHT)} * {ln1p('answers')}"
        f" + {_real(POST_WEIGHT)} * {ln1p('posts')}"
        f" + {_real(WELL_RECEIVED_WEIGHT)} * {ln1p('well_received')}) / LN(2)"
        f" + {_real(GROUP_WEIGHT)} * (CASE WHEN {topic_groups} > {GROUPS_COUNTED}"
        f" THEN {GROUPS_COUNTED} ELSE {topic_groups} END)"
    )
    # Decay by the time since the last readable activity (none: the floor alone).
    last = "MAX(CASE WHEN s.readable = 1 THEN s.last_activity END)"
    age = f"({_real(now.timestamp())} - {last})"
    recency = (
        f"({_real(RECENCY_FLOOR)} + {_real(1 - RECENCY_FLOOR)} * (CASE WHEN {last} IS NULL"
        f" THEN 0 WHEN {age} > 0 THEN EXP(-{age} / {_real(86400.0 * RECENCY_DAYS)}) ELSE 1 END))"
    )
    listed = (
        f"(CASE WHEN MAX(CASE WHEN s.listed THEN 1 ELSE 0 END) = 1"
        f" THEN {_real(LISTED_WEIGHT)} ELSE {_real(0)} END)"
    )
    return f"{listed} + ({activity}) * {recency}"


def _group_scopes_sql(viewer: Any) -> tuple[tuple[str, tuple], tuple[str, tuple]]:
    """groups.selectors' answers as SQL subqueries of group ids: the groups the
    viewer may read (posts, answers), and those they may know exist (topic groups)."""
    return (
        groups_readable_by(viewer).order_by().values("pk").query.sql_with_params(),
        groups_visible_to(viewer).order_by().values("pk").query.sql_with_params(),
    )


def _stat_tables() -> tuple[str, str, str]:
    """The tables of the expertise aggregate: statistics, profiles, users."""
    return (
        ExpertiseStat._meta.db_table,
        Profile._meta.db_table,
        Profile._meta.get_field("user").related_model._meta.db_table,
    )


def _expertise_rows(
    viewer: Any,
    quality: dict[int, float],
    now: datetime,
    *,
    user_ids: Collection[int] | None = None,
) -> list[tuple]:
    """(user id, tag score, profile id, department id, location, languages) of every
    active member with evidence on these tags that the viewer may see (of
    `user_ids` only, when given), scored in one aggregate over ExpertiseStat:
    TagEvidence.score per tag, weighted by the tag's match quality and by how
    many of the tags the member covers. A group's counts take part only where
    groups.selectors lets the viewer see them: posts and answers in groups they
    may read, topic groups they may know."""
    if not quality or not getattr(viewer, "is_authenticated", False) or not viewer.is_active:
        return []
    if user_ids is not None and not user_ids:
        return []
    (readable_sql, readable_params), (visible_sql, visible_params) = _group_scopes_sql(viewer)
    tags_in, tags_params = ids_in_sql("s.tag_id", list(quality))
    users_in, users_params = (
        ("1 = 1", []) if user_ids is None else ids_in_sql("s.user_id", user_ids)
    )
    quality_case = " ".join("WHEN %s THEN %s" for _ in quality)
    quality_params = [value for pair in quality.items() for value in pair]
    stat, profile, user = _stat_tables()
    # The member's facets ride along from the innermost level, where the planner
    # still knows how many rows there are (it hash-joins instead of looking up
    # every profile one by one).
    person = "p.id, p.department_id, p.location_visible, p.location, p.languages_spoken"
    # OFFSET 0 keeps PostgreSQL from inlining `readable` (and its subquery)
    # into each of the dozen aggregates that use it: computed once per row.
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    sql = f"""
        SELECT per.user_id, COUNT(*) * SUM(per.quality * per.score) / %s, per.id,
               per.department_id,
               CASE WHEN per.location_visible THEN per.location ELSE '' END,
               per.languages_spoken
        FROM (
            SELECT s.user_id, {person.replace("p.", "s.")},
                   CASE s.tag_id {quality_case} ELSE 0 END AS quality,
                   {tag_score_sql(now)} AS score
            FROM (
                SELECT s.user_id, s.tag_id, s.listed, s.endorsements, s.answers, s.posts,
                       s.well_received, s.topic_member, s.last_activity, {person},
                       CASE WHEN s.group_id IS NULL OR s.group_id IN ({readable_sql})
                            THEN 1 ELSE 0 END AS readable
                FROM {stat} s
                JOIN {profile} p ON p.user_id = s.user_id
                JOIN {user} u ON u.id = s.user_id
                WHERE {tags_in} AND {users_in} AND u.is_active
                  AND (s.group_id IS NULL OR s.group_id IN ({visible_sql})){fence}
            ) s
            GROUP BY s.user_id, s.tag_id, {person.replace("p.", "s.")}
        ) per
        WHERE per.score > 0
        GROUP BY per.user_id, per.id, per.department_id, per.location_visible, per.location,
                 per.languages_spoken
    """
    # In the order of their placeholders in the text.
    params = [
        float(len(quality)),
        *quality_params,
        *readable_params,
        *tags_params,
        *users_params,
        *visible_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _match_count(viewer: Any, tag_ids: Collection[int], text_ids: Collection[int] = ()) -> int:
    """How many members people_search finds, without scoring them: active
    members with evidence on these tags that the viewer may see (exactly those
    _expertise_rows scores above zero: every stored row has some count, and a
    group's row counts where the viewer may read the group, or may see it and
    it is a topic group of the member), and the active text matches."""
    if not tag_ids or not getattr(viewer, "is_authenticated", False) or not viewer.is_active:
        return 0
    (readable_sql, readable_params), (visible_sql, visible_params) = _group_scopes_sql(viewer)
    tags_in, tags_params = ids_in_sql("s.tag_id", tag_ids)
    text_in, text_params = ids_in_sql("u.id", text_ids)
    stat, profile, user = _stat_tables()
    sql = f"""
        SELECT COUNT(*) FROM (
            SELECT s.user_id FROM {stat} s
            JOIN {profile} p ON p.user_id = s.user_id
            JOIN {user} u ON u.id = s.user_id
            WHERE {tags_in} AND u.is_active
              AND (s.group_id IS NULL OR s.group_id IN ({readable_sql})
                   OR (s.topic_member AND s.group_id IN ({visible_sql})))
            UNION
            SELECT p.user_id FROM {profile} p JOIN {user} u ON u.id = p.user_id
            WHERE {text_in} AND u.is_active
        ) found
    """
    params = [*tags_params, *readable_params, *visible_params, *text_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


@dataclass
class _Scored:
    rows: list[tuple]  # as _expertise_rows returns them
    complete: bool  # every member with evidence on the tags was scored
    scored: set[int] = field(default_factory=set)  # whose tag score is exact (when incomplete)


def _expertise_rows_ranked(
    viewer: Any,
    quality: dict[int, float],
    now: datetime,
    *,
    text_scores: dict[int, float],
    needed: int,
) -> _Scored:
    """The rows of _expertise_rows for enough members to rank the first `needed`
    exactly, without scoring every holder (threshold algorithm). Candidates come
    in ExpertiseBound order per tag; a member not read in any list scores at
    most the sum over tags of quality x that list's next bound (coverage
    COUNT(*)/n is at most 1). A member read is bounded by their own bounds
    (and text score) and scored exactly for the viewer, best bound first, until
    the `needed`-th exact score beats both the best bound left and the lists'
    frontier; past BOUND_DEPTH_MAX everyone is scored."""
    if not quality or not getattr(viewer, "is_authenticated", False) or not viewer.is_active:
        return _Scored([], complete=True)
    depth, chunk = BOUND_DEPTH, max(needed * 2, BOUND_CHUNK)
    rows: dict[int, tuple] = {}
    scored: set[int] = set()
    n = len(quality)
    while depth <= BOUND_DEPTH_MAX:
        seen: dict[int, dict[int, float]] = defaultdict(dict)  # user -> tag -> bound
        edge: dict[int, float] = {}  # tag -> the next bound in its list (0: read whole)
        for tag_id in quality:
            listed = list(
                ExpertiseBound.objects.filter(tag_id=tag_id)
                .order_by("-bound", "user_id")
                .values_list("user_id", "bound")[:depth]
            )
            for user_id, bound in listed:
                seen[user_id][tag_id] = bound
            edge[tag_id] = listed[-1][1] if len(listed) == depth else 0.0
        complete = not any(edge.values())
        frontier = sum(quality[tag_id] * bound for tag_id, bound in edge.items())

        bound_of: dict[int, float] = {}
        for user_id in (set(seen) | set(text_scores)) - scored:
            # A tag the member was not read on bounds them by that list's edge.
            held = [
                quality[tag_id] * seen[user_id].get(tag_id, edge[tag_id])
                for tag_id in quality
                if seen[user_id].get(tag_id, edge[tag_id]) > 0
            ]
            bound_of[user_id] = (
                TEXT_WEIGHT * text_scores.get(user_id, 0.0) + len(held) * sum(held) / n
            )
        waiting = sorted(bound_of, key=lambda user_id: -bound_of[user_id])
        while True:
            # Text-only matches are left out of the page test: that can only
            # make it stricter.
            scores = sorted(
                (TEXT_WEIGHT * text_scores.get(user_id, 0.0) + float(row[1]))
                for user_id, row in rows.items()
            )[::-1]
            settled = len(scores) >= needed and scores[needed - 1] > frontier
            # Strictly above: an unscored member with an equal score and a
            # lower id would rank first.
            if not waiting or (settled and scores[needed - 1] > bound_of[waiting[0]]):
                break
            batch, waiting = waiting[:chunk], waiting[chunk:]
            scored.update(batch)
            rows.update(
                (row[0], row) for row in _expertise_rows(viewer, quality, now, user_ids=batch)
            )
            chunk *= 2
        if complete and not waiting:
            return _Scored(list(rows.values()), complete=True)
        if settled:
            return _Scored(list(rows.values()), complete=False, scored=scored)
        depth *= 4
    return _Scored(_expertise_rows(viewer, quality, now), complete=True)


def _tag_facet(profile_ids: Collection[int]) -> dict[str, int]:
    """The most held tags among these profiles (one GROUP BY in the database)."""
    if not profile_ids:
        return {}
    profile_type = ContentType.objects.get_for_model(Profile)
    condition, params = ids_in_sql("ti.object_id", profile_ids)
    sql = f"""
        SELECT t.name, COUNT(*) FROM {TaggedItem._meta.db_table} ti
        JOIN {Tag._meta.db_table} t ON t.id = ti.tag_id
        WHERE ti.content_type_id = %s AND {condition}
        GROUP BY t.name ORDER BY COUNT(*) DESC, t.name LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [profile_type.pk, *params, FACET_SIZE])
        return dict(cursor.fetchall())


def people_search(
    viewer: Any,
    text: str,
    *,
    filters: dict[str, str] | None = None,
    page: int = 1,
    backend: SearchBackend | None = None,
) -> PeopleSearch:
    """Find the expert: active members ranked by text match and by evidence on
    the tags the query names (listed, endorsed, accepted answers, well-received
    posts, topic groups, weighted by recency), each with the reasons why.
    Members are scored in one aggregate (ExpertiseStat), only as many as the
    page needs when a skill has many holders (ExpertiseBound); the total is
    then counted in SQL and the facets count the scored top (`facets_among`);
    filtered searches score everyone. The evidence behind the reasons is read
    for one page."""
    backend = backend or get_search_backend()
    filters = {
        key: value for key, value in (filters or {}).items() if value and key in PEOPLE_FACETS
    }
    tags = matched_tags(text, backend)
    quality = {match.tag.pk: match.quality for match in tags}
    text_scores = backend.people_matches(text, limit=TEXT_CANDIDATES) if query_terms(text) else {}
    now = timezone.now()
    people: dict[int, dict] = {}
    scores: dict[int, float] = {}
    if filters:
        # Filtered searches are rarer (a click on a facet): score everyone, so
        # the total and the facets under the filters stay exact.
        scored = _Scored(_expertise_rows(viewer, quality, now), complete=True)
    else:
        scored = _expertise_rows_ranked(
            viewer, quality, now, text_scores=text_scores, needed=max(page, 1) * PEOPLE_PAGE
        )
    for user_id, tag_score, profile_id, department_id, location, languages in scored.rows:
        people[user_id] = {
            "pk": profile_id,
            "department_id": department_id,
            "location": location,
            "languages": languages,
        }
        scores[user_id] = float(tag_score)
    # Text matches left unscored could not reach the page: leave them out.
    text_only = [
        user_id
        for user_id in text_scores
        if user_id not in people and (scored.complete or user_id in scored.scored)
    ]
    for row in Profile.objects.filter(user_id__in=text_only, user__is_active=True).values(
        "pk", "user_id", "department_id", "location", "location_visible", "languages_spoken"
    ):
        people[row["user_id"]] = {
            "pk": row["pk"],
            "department_id": row["department_id"],
            "location": row["location"] if row["location_visible"] else "",
            "languages": row["languages_spoken"],
        }
    spoken: dict[str, list[str]] = {}  # a few distinct strings among thousands of people
    for user_id, person in people.items():
        text_of_languages = person.pop("languages") or ""
        if text_of_languages not in spoken:
            spoken[text_of_languages] = [
                part.strip() for part in text_of_languages.split(",") if part.strip()
            ]
        # Each facet's values, ready to count.
        person["language"] = spoken[text_of_languages]
        person["department"] = [str(person["department_id"])] if person["department_id"] else []
        person["location"] = [person["location"]] if person["location"] else []
        score = TEXT_WEIGHT * text_scores.get(user_id, 0.0) + scores.get(user_id, 0.0)
        scores[user_id] = score
    people = {user_id: person for user_id, person in people.items() if scores[user_id] > 0}

    holders: set[int] | None = None  # profiles with the tag filtered on
    if filters.get("tag"):
        profile_type = ContentType.objects.get_for_model(Profile)
        holders = set(
            TaggedItem.objects.filter(
                content_type=profile_type, tag__name=filters["tag"]
            ).values_list("object_id", flat=True)
        )

    def failing(person: dict) -> set[str]:
        """The filters this person does not pass."""
        return {
            facet
            for facet, value in filters.items()
            if (person["pk"] not in holders if facet == "tag" else value not in person[facet])
        }

    # A facet counts the people who pass every other filter; the results are
    # those who pass them all. One pass over everyone (thousands of people).
    counters: dict[str, Counter] = {facet: Counter() for facet in PEOPLE_FACETS}
    tag_facet_profiles: list[int] = []
    ranked_ids: list[int] = []
    for user_id, person in people.items():
        missed = failing(person) if filters else set()
        if len(missed) > 1:
            continue
        for facet in ("department", "location", "language"):
            if not missed or missed == {facet}:
                counters[facet].update(person[facet])
        if not missed or missed == {"tag"}:
            tag_facet_profiles.append(person["pk"])
        if not missed:
            ranked_ids.append(user_id)
    counters["tag"] = Counter(_tag_facet(tag_facet_profiles))
    if filters.get("tag") and filters["tag"] not in counters["tag"]:
        counters["tag"][filters["tag"]] = len(holders.intersection(tag_facet_profiles))
    counted: dict[str, list[tuple[str, int]]] = {}
    for facet, counter in counters.items():
        values = sorted(counter.items(), key=lambda pair: (-pair[1], pair[0]))[:FACET_SIZE]
        selected = filters.get(facet)
        if selected and selected not in dict(values):
            values.append((selected, counter.get(selected, 0)))
        counted[facet] = values
    department_names = {
        str(pk): name
        for pk, name in Department.objects.filter(
            # A selected value comes from the URL: anything but an id matches nothing.
            pk__in=[
                int(value)
                for value, _count in counted["department"]
                if value.isdecimal() and len(value) < 19
            ]
        ).values_list("pk", "name")
    }
    facets: dict[str, list[FacetValue]] = {}
    for facet in PEOPLE_FACETS:
        facets[facet] = [
            FacetValue(
                value=value,
                label=department_names.get(value, value) if facet == "department" else value,
                count=count,
                selected=value == filters.get(facet),
            )
            for value, count in counted[facet]
        ]

    ranked = sorted(ranked_ids, key=lambda user_id: (-scores[user_id], user_id))
    page = max(page, 1)
    start = (page - 1) * PEOPLE_PAGE
    page_ids = ranked[start : start + PEOPLE_PAGE]
    profiles = Profile.objects.select_related("user", "department").in_bulk(
        [people[user_id]["pk"] for user_id in page_ids]
    )
    tags_of: dict[int, list[str]] = defaultdict(list)
    for object_id, name in TaggedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(Profile), object_id__in=profiles.keys()
    ).values_list("object_id", "tag__name"):
        tags_of[object_id].append(name)
    tag_ids = list(quality)
    evidence, places = _evidence_shown(viewer, page_ids, tag_ids)
    tag_objects = {match.tag.pk: match.tag for match in tags}
    results = []
    for user_id in page_ids:
        person = people[user_id]
        reasons = _reasons(evidence.get(user_id, {}), tag_objects, places, user_id)
        if text_scores.get(user_id) and not reasons:
            reasons.append(_("matches name, job or profile text"))
        results.append(
            ExpertResult(
                profile=profiles[person["pk"]],
                score=round(scores[user_id], 3),
                reasons=reasons,
                tags=tags_of[person["pk"]],
            )
        )
    total = len(ranked)
    if not scored.complete:
        # Holders not scored are counted, not ranked; so are text-only matches.
        matched = [user_id for user_id, score in text_scores.items() if score > 0]
        total = _match_count(viewer, list(quality), matched)
    return PeopleSearch(
        query=text,
        results=results,
        total=total,
        page=page,
        has_next=start + PEOPLE_PAGE < total,
        facets=facets,
        facets_among=None if scored.complete else len(ranked),
        corrections=[(match.typed, match.tag.name) for match in tags if match.quality < 1],
        tags=[match.tag.name for match in tags],
    )


# --- content search --------------------------------------------------------------------


def content_scope_for(viewer: Any) -> ContentScope:
    return ContentScope(
        readable_group_ids=groups_readable_by(viewer).values_list("pk", flat=True),
        visible_group_ids=groups_visible_to(viewer).values_list("pk", flat=True),
    )


def snippet_html(snippet: str) -> SafeString:
    """User text escaped, then the backend's highlight sentinels become <mark>."""
    text = escape(snippet.replace(MARK_START, "\x00s").replace(MARK_END, "\x00e"))
    return mark_safe(text.replace("\x00s", "<mark>").replace("\x00e", "</mark>"))


@dataclass
class ContentResult:
    kind: str
    object: Any
    title: str
    url: str
    snippet: SafeString
    group: Group | None = None


@dataclass
class ContentSearch:
    query: str
    kind: str
    results: list[ContentResult]
    total: int
    page: int
    has_next: bool
    group_facet: list[tuple[Group | None, int]] = field(default_factory=list)


def _visible_objects(viewer: Any, kind: str, ids: list[int]) -> dict[int, Any]:
    """The hits the viewer may see right now, checked through groups.selectors
    (the index may lag a moment behind a deletion or a visibility change)."""
    if kind == DocumentKind.POST:
        posts = (
            posts_visible_to(viewer).filter(pk__in=ids).select_related("author__profile", "group")
        )
        return posts.in_bulk()
    if kind == DocumentKind.COMMENT:
        comments = Comment.objects.filter(
            post_readable_by(viewer), pk__in=ids, deleted_at__isnull=True
        ).select_related("author__profile", "post__group")
        return comments.in_bulk()
    if kind == DocumentKind.GROUP:
        return groups_visible_to(viewer).filter(pk__in=ids).in_bulk()
    if kind == DocumentKind.HUB:
        return ShareableItemPage.objects.live().public().filter(pk__in=ids).in_bulk()
    return {}


def _result(kind: str, item: Any, hit: Hit) -> ContentResult:
    group = None
    if kind == DocumentKind.POST:
        group = item.group
    elif kind == DocumentKind.COMMENT:
        group = item.post.group
    return ContentResult(
        kind=kind,
        object=item,
        title=hit.title,
        url=hit.url,
        snippet=snippet_html(hit.snippet),
        group=group,
    )


CONTENT_KINDS = (DocumentKind.POST, DocumentKind.COMMENT, DocumentKind.GROUP, DocumentKind.HUB)


def content_search(
    viewer: Any,
    text: str,
    kind: str,
    *,
    page: int = 1,
    backend: SearchBackend | None = None,
) -> ContentSearch:
    backend = backend or get_search_backend()
    kind = DocumentKind(kind)
    page = max(page, 1)
    scope = content_scope_for(viewer)
    found = backend.content_search(
        kind, text, scope, offset=(page - 1) * CONTENT_PAGE, limit=CONTENT_PAGE
    )
    visible = _visible_objects(viewer, kind, [hit.object_id for hit in found.hits])
    results = [
        _result(kind, visible[hit.object_id], hit) for hit in found.hits if hit.object_id in visible
    ]
    group_facet: list[tuple[Group | None, int]] = []
    if "group" in found.facets:
        readable = groups_readable_by(viewer).in_bulk(
            [group_id for group_id, _ in found.facets["group"] if group_id]
        )
        group_facet = [
            (readable.get(group_id), count)
            for group_id, count in found.facets["group"]
            if group_id is None or group_id in readable
        ]
    return ContentSearch(
        query=text,
        kind=kind,
        results=results,
        total=found.total,
        page=page,
        has_next=page * CONTENT_PAGE < found.total,
        group_facet=group_facet,
    )


def content_counts(viewer: Any, text: str, *, backend: SearchBackend | None = None) -> dict:
    """How many results each content tab has, inside the viewer's scope."""
    backend = backend or get_search_backend()
    scope = content_scope_for(viewer)
    return {kind.value: backend.content_count(kind, text, scope) for kind in CONTENT_KINDS}


# --- autocomplete ----------------------------------------------------------------------


@dataclass
class Suggestions:
    people: list[Profile]
    groups: list[Group]
    tags: list[str]
    posts: list[tuple[Post, str]]

    def __bool__(self) -> bool:
        return bool(self.people or self.groups or self.tags or self.posts)


def search_suggestions(viewer: Any, prefix: str, *, backend: SearchBackend | None = None):
    """What the header box offers while typing: people first, then groups,
    tags and posts, each checked like a full search."""
    backend = backend or get_search_backend()
    if not query_terms(prefix):
        return Suggestions([], [], [], [])
    scope = content_scope_for(viewer)
    people_hits = backend.prefix_search(DocumentKind.PERSON, prefix, None, limit=SUGGEST_PEOPLE)
    profiles = {
        profile.user_id: profile
        for profile in Profile.objects.filter(
            user_id__in=[hit.object_id for hit in people_hits], user__is_active=True
        ).select_related("user", "department")
    }
    group_hits = backend.prefix_search(DocumentKind.GROUP, prefix, scope, limit=SUGGEST_OTHERS)
    groups = _visible_objects(viewer, DocumentKind.GROUP, [hit.object_id for hit in group_hits])
    post_hits = backend.prefix_search(DocumentKind.POST, prefix, scope, limit=SUGGEST_OTHERS)
    posts = _visible_objects(viewer, DocumentKind.POST, [hit.object_id for hit in post_hits])
    return Suggestions(
        people=[profiles[hit.object_id] for hit in people_hits if hit.object_id in profiles],
        groups=[groups[hit.object_id] for hit in group_hits if hit.object_id in groups],
        tags=tag_autocomplete_list(prefix, limit=SUGGEST_OTHERS),
        posts=[(posts[hit.object_id], hit.title) for hit in post_hits if hit.object_id in posts],
    )
