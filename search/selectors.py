"""Rule-bearing reads of search: who is the expert on a topic and why, and what
content a member may find. Backends retrieve; this module ranks people by
evidence, explains the ranking and checks every hit through groups.selectors,
so both backends answer alike and nothing hidden is ever found."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
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
from profiles.models import Endorsement, EvidenceKind, ExpertiseEvidence, Profile
from profiles.selectors import tag_autocomplete_list, tag_find, tag_name_normalise

from .backends import get_search_backend
from .backends.base import MARK_END, MARK_START, ContentScope, Hit, SearchBackend, query_terms
from .models import DocumentKind, IndexOutbox

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


def expertise_evidence(
    viewer: Any, tag_ids: list[int], user_ids: set[int] | None = None
) -> dict[int, dict[int, TagEvidence]]:
    """user id -> tag id -> evidence, for active members (seven queries)."""
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
        posts_visible_to(viewer)
        .filter(pk__in=post_ids, is_question=False)
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


def _answer_groups(viewer: Any, user_ids: list[int], tag_ids: list[int]) -> dict:
    """(user, tag) -> the readable group where most of their accepted answers are."""
    counts: dict[tuple[int, int], Counter] = defaultdict(Counter)
    answers = dict(
        ExpertiseEvidence.objects.filter(
            user_id__in=user_ids, tag_id__in=tag_ids, kind=EvidenceKind.ACCEPTED_ANSWER
        ).values_list("object_id", "tag_id")
    )
    if not answers:
        return {}
    for comment_id, author_id, group_name in Comment.objects.filter(
        post_readable_by(viewer),
        pk__in=answers.keys(),
        post__group__isnull=False,
    ).values_list("pk", "author_id", "post__group__name"):
        counts[(author_id, answers[comment_id])][group_name] += 1
    return {key: counter.most_common(1)[0][0] for key, counter in counts.items()}


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


def _facet_key(facet: str, person: dict) -> list[str]:
    if facet == "department":
        return [str(person["department_id"])] if person["department_id"] else []
    if facet == "location":
        return [person["location"]] if person["location"] else []
    if facet == "language":
        return person["languages"]
    return person["tags"]


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
    posts, topic groups, weighted by recency), each with the reasons why."""
    backend = backend or get_search_backend()
    filters = {
        key: value for key, value in (filters or {}).items() if value and key in PEOPLE_FACETS
    }
    tags = matched_tags(text, backend)
    tag_ids = [match.tag.pk for match in tags]
    quality = {match.tag.pk: match.quality for match in tags}
    text_scores = backend.people_matches(text, limit=TEXT_CANDIDATES) if query_terms(text) else {}
    evidence = expertise_evidence(viewer, tag_ids)
    now = timezone.now()
    scores: dict[int, float] = {}
    for user_id in set(text_scores) | set(evidence):
        per_tag = evidence.get(user_id, {})
        # Several skills asked for: who has more of them comes first.
        coverage = len(per_tag) / len(tag_ids) if tag_ids else 0.0
        tag_part = coverage * sum(
            quality[tag_id] * item.score(now) for tag_id, item in per_tag.items()
        )
        scores[user_id] = TEXT_WEIGHT * text_scores.get(user_id, 0.0) + tag_part
    scores = {user_id: score for user_id, score in scores.items() if score > 0}

    people = {
        row["user_id"]: {**row, "languages": [], "tags": []}
        for row in Profile.objects.filter(user_id__in=scores.keys(), user__is_active=True).values(
            "pk",
            "user_id",
            "department_id",
            "department__name",
            "location",
            "location_visible",
            "languages_spoken",
        )
    }
    profile_type = ContentType.objects.get_for_model(Profile)
    by_profile = {person["pk"]: person for person in people.values()}
    for object_id, name in TaggedItem.objects.filter(
        content_type=profile_type, object_id__in=by_profile.keys()
    ).values_list("object_id", "tag__name"):
        by_profile[object_id]["tags"].append(name)
    for person in people.values():
        if not person["location_visible"]:
            person["location"] = ""
        person["languages"] = [
            part.strip() for part in (person["languages_spoken"] or "").split(",") if part.strip()
        ]

    def passes(person: dict, skip: str | None = None) -> bool:
        return all(
            value in _facet_key(facet, person) for facet, value in filters.items() if facet != skip
        )

    department_names = {
        str(person["department_id"]): person["department__name"]
        for person in people.values()
        if person["department_id"]
    }
    facets: dict[str, list[FacetValue]] = {}
    for facet in PEOPLE_FACETS:
        counter: Counter = Counter()
        for person in people.values():
            if passes(person, skip=facet):
                counter.update(set(_facet_key(facet, person)))
        selected = filters.get(facet)
        values = counter.most_common(FACET_SIZE)
        if selected and selected not in dict(values):
            values.append((selected, counter.get(selected, 0)))
        facets[facet] = [
            FacetValue(
                value=value,
                label=department_names.get(value, value) if facet == "department" else value,
                count=count,
                selected=value == selected,
            )
            for value, count in values
        ]

    ranked = sorted(
        (user_id for user_id, person in people.items() if passes(person)),
        key=lambda user_id: (-scores[user_id], user_id),
    )
    page = max(page, 1)
    start = (page - 1) * PEOPLE_PAGE
    page_ids = ranked[start : start + PEOPLE_PAGE]
    profiles = Profile.objects.select_related("user", "department").in_bulk(
        [people[user_id]["pk"] for user_id in page_ids]
    )
    tag_objects = {match.tag.pk: match.tag for match in tags}
    places = _answer_groups(viewer, page_ids, tag_ids)
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
                tags=person["tags"],
            )
        )
    return PeopleSearch(
        query=text,
        results=results,
        total=len(ranked),
        page=page,
        has_next=start + PEOPLE_PAGE < len(ranked),
        facets=facets,
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
