"""The interface every search backend offers, and the shapes of its answers.

Backends retrieve: full text with stemming, typo tolerance and prefixes, scoped
to what the viewer may read (`ContentScope`, built by `search.selectors` from
`groups.selectors`). Ranking people by expertise evidence and explaining it is
shared code in `search.selectors`, so both backends give the same results."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from search.indexing import IndexRecord

# Sentinels around highlighted words; `search.selectors.snippet_html` escapes
# the text and turns them into <mark> so user text never becomes markup.
MARK_START = "\x02"
MARK_END = "\x03"
SNIPPET_WORDS = 24

WORD = re.compile(r"\w+", re.UNICODE)


def query_terms(text: str, *, limit: int = 8) -> list[str]:
    """The words of a query, lowercased, without operators of any query syntax."""
    return [word.lower() for word in WORD.findall(text)][:limit]


def normalised_scores(scores: dict[int, float]) -> dict[int, float]:
    """Scores scaled so the best is 1: backends' raw scores are not comparable."""
    top = max(scores.values(), default=0.0)
    if top <= 0:
        return {key: 1.0 for key in scores}
    return {key: value / top for key, value in scores.items()}


@dataclass(frozen=True)
class BackendHealth:
    ok: bool
    backend: str
    detail: str = ""


@dataclass(frozen=True)
class ContentScope:
    """What the viewer may find: group ids as querysets from groups.selectors
    (the database backend uses them as subqueries, Elasticsearch as id lists)."""

    readable_group_ids: QuerySet  # posts and comments in these groups, or in none
    visible_group_ids: QuerySet  # groups the viewer may know exist

    def readable_list(self) -> list[int]:
        return list(self.readable_group_ids)

    def visible_list(self) -> list[int]:
        return list(self.visible_group_ids)


@dataclass(frozen=True)
class Hit:
    kind: str
    object_id: int
    score: float
    title: str = ""
    snippet: str = ""  # with MARK_START/MARK_END sentinels, not escaped yet
    url: str = ""
    group_id: int | None = None
    post_id: int | None = None


@dataclass
class HitPage:
    hits: list[Hit]
    total: int
    facets: dict[str, list[tuple[Any, int]]] = field(default_factory=dict)


class SearchBackendError(Exception):
    """The backend could not answer (down, timed out, refused the request)."""


class SearchBackend(ABC):
    name: str

    @abstractmethod
    def health(self) -> BackendHealth:
        """Whether the backend answers right now (never raises)."""

    # --- indexing ---------------------------------------------------------------------

    @abstractmethod
    def apply(self, records: Iterable[IndexRecord], removals: Iterable[tuple[str, int]]) -> None:
        """Store `records` and remove `(kind, object_id)` documents, all or nothing
        as far as the backend allows; raise SearchBackendError when it is down."""

    @abstractmethod
    def rebuild(self, kind: str, batches: Iterable[list[IndexRecord]]) -> int:
        """Replace the whole index of `kind` with `batches` while searches keep
        answering from the old one; returns the number of documents."""

    @abstractmethod
    def document_count(self, kind: str) -> int:
        """How many documents of `kind` the index holds."""

    # --- queries ----------------------------------------------------------------------

    @abstractmethod
    def people_matches(self, text: str, *, limit: int) -> dict[int, float]:
        """Active people whose name, job, about or expertise match the text, with
        typos and prefixes tolerated: user id -> text score in (0, 1]."""

    @abstractmethod
    def fuzzy_tag_names(self, term: str, *, limit: int = 3) -> list[str]:
        """Expertise/hashtag names that look like a misspelt `term`, best first."""

    @abstractmethod
    def content_search(
        self, kind: str, text: str, scope: ContentScope, *, offset: int, limit: int
    ) -> HitPage:
        """Posts, comments, groups or hub items matching the text inside `scope`,
        best first, with highlighted snippets and a total; facets for posts: group."""

    @abstractmethod
    def content_count(self, kind: str, text: str, scope: ContentScope) -> int:
        """How many documents of `kind` match inside `scope` (tab counts)."""

    @abstractmethod
    def prefix_search(
        self, kind: str, prefix: str, scope: ContentScope | None, *, limit: int
    ) -> list[Hit]:
        """Autocomplete: documents of `kind` whose title words start with the
        typed words, scoped like content_search (people need no scope)."""
