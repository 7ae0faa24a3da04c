"""Search in the main database, the embedded default.

PostgreSQL: a weighted tsvector per document (names and tags A, body C; English
and Dutch stemming plus the unstemmed `simple` form), `ts_rank_cd`, `ts_headline`
and pg_trgm for typos. SQLite: FTS5 tables per kind (porter stemming, bm25 with
title and tags weighted above body, `snippet()`), and an edit-distance search
over the FTS vocabulary for typos."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramSimilarity,
)
from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Length, Lower
from taggit.models import Tag

from search.fuzzy import allowed_edits, closest
from search.indexing import IndexRecord
from search.models import DocumentKind, SearchDocument

from .base import (
    MARK_END,
    MARK_START,
    SNIPPET_WORDS,
    BackendHealth,
    ContentScope,
    Hit,
    HitPage,
    SearchBackend,
    normalised_scores,
    query_terms,
)

BATCH = 500
GROUP_FACET_SIZE = 10
# bm25 weights of the FTS5 columns (title, tags, body).
BM25_WEIGHTS = "10.0, 8.0, 1.0"
TRIGRAM_TAG_MIN = 0.45
TRIGRAM_NAME_WEIGHT = 0.8


def _document(record: IndexRecord) -> SearchDocument:
    return SearchDocument(
        kind=record.kind,
        object_id=record.object_id,
        title=record.title,
        tags=" ".join(record.tags),
        body=record.body,
        group_id=record.group_id,
        post_id=record.post_id,
        author_id=record.author_id,
        url=record.url,
        department_id=record.department_id,
        location=record.location,
        languages=", ".join(record.languages),
        **({"created_at": record.created_at} if record.created_at else {}),
    )


def _scoped(kind: str, scope: ContentScope | None) -> QuerySet[SearchDocument]:
    """Documents of `kind` that the scope allows; the scope's querysets come from
    groups.selectors and stay subqueries."""
    documents = SearchDocument.objects.filter(kind=kind)
    if kind in (DocumentKind.POST, DocumentKind.COMMENT):
        if scope is None:
            raise ValueError("posts and comments are searched within a scope")
        return documents.filter(Q(group_id__isnull=True) | Q(group_id__in=scope.readable_group_ids))
    if kind == DocumentKind.GROUP:
        if scope is None:
            raise ValueError("groups are searched within a scope")
        return documents.filter(object_id__in=scope.visible_group_ids)
    return documents


def _hit(document: SearchDocument, score: float, snippet: str) -> Hit:
    return Hit(
        kind=document.kind,
        object_id=document.object_id,
        score=score,
        title=document.title,
        snippet=snippet,
        url=document.url,
        group_id=document.group_id,
        post_id=document.post_id,
    )


class DatabaseBackend(SearchBackend):
    """Search in the main database: PostgreSQL full text or SQLite FTS5."""

    name = "database"

    def health(self) -> BackendHealth:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as exc:
            return BackendHealth(ok=False, backend=self.name, detail=type(exc).__name__)
        return BackendHealth(ok=True, backend=self.name, detail=connection.vendor)

    @property
    def _engine(self) -> _PostgresFullText | _SqliteFullText:
        return _PostgresFullText() if connection.vendor == "postgresql" else _SqliteFullText()

    # --- indexing ---------------------------------------------------------------------

    def apply(self, records: Iterable[IndexRecord], removals: Iterable[tuple[str, int]]) -> None:
        stale: dict[str, set[int]] = defaultdict(set)
        records = list(records)
        for record in records:
            stale[record.kind].add(record.object_id)
        for kind, object_id in removals:
            stale[kind].add(object_id)
        with transaction.atomic():
            for kind, ids in stale.items():
                SearchDocument.objects.filter(kind=kind, object_id__in=ids).delete()
            created = SearchDocument.objects.bulk_create(
                [_document(record) for record in records], batch_size=BATCH
            )
            self._engine.after_write([document.pk for document in created])

    def rebuild(self, kind: str, batches: Iterable[list[IndexRecord]]) -> int:
        # One transaction: readers keep seeing the old documents until it commits.
        count = 0
        with transaction.atomic():
            SearchDocument.objects.filter(kind=kind).delete()
            for batch in batches:
                created = SearchDocument.objects.bulk_create(
                    [_document(record) for record in batch], batch_size=BATCH
                )
                self._engine.after_write([document.pk for document in created])
                count += len(created)
        return count

    def document_count(self, kind: str) -> int:
        return SearchDocument.objects.filter(kind=kind).count()

    # --- queries ----------------------------------------------------------------------

    def people_matches(self, text: str, *, limit: int) -> dict[int, float]:
        terms = query_terms(text)
        if not terms:
            return {}
        return normalised_scores(self._engine.people_matches(terms, limit=limit))

    def fuzzy_tag_names(self, term: str, *, limit: int = 3) -> list[str]:
        term = term.lower()
        if allowed_edits(term) == 0:
            return []
        return self._engine.fuzzy_tag_names(term, limit=limit)

    def content_search(
        self, kind: str, text: str, scope: ContentScope, *, offset: int, limit: int
    ) -> HitPage:
        terms = query_terms(text)
        if not terms:
            return HitPage(hits=[], total=0)
        return self._engine.content_search(kind, terms, scope, offset=offset, limit=limit)

    def content_count(self, kind: str, text: str, scope: ContentScope) -> int:
        terms = query_terms(text)
        if not terms:
            return 0
        return self._engine.content_count(kind, terms, scope)

    def prefix_search(
        self, kind: str, prefix: str, scope: ContentScope | None, *, limit: int
    ) -> list[Hit]:
        terms = query_terms(prefix)
        if not terms:
            return []
        return self._engine.prefix_search(kind, terms, scope, limit=limit)


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_vector() -> SearchVector:
    return (
        SearchVector("title", config="simple", weight="A")
        + SearchVector("tags", config="simple", weight="A")
        + SearchVector("tags", config="english", weight="A")
        + SearchVector("body", config="english", weight="C")
        + SearchVector("body", config="dutch", weight="C")
        + SearchVector("body", config="simple", weight="D")
    )


def _pg_term(term: str, *, prefix: bool = False) -> SearchQuery:
    query = (
        SearchQuery(term, config="english")
        | SearchQuery(term, config="dutch")
        | SearchQuery(term, config="simple")
    )
    if prefix and len(term) >= 2:
        # Terms are \w+ only, so they cannot carry tsquery operators.
        query = query | SearchQuery(f"{term}:*", config="simple", search_type="raw")
    return query


def _pg_any(terms: list[str], *, prefix: bool) -> SearchQuery:
    query = _pg_term(terms[0], prefix=prefix)
    for term in terms[1:]:
        query = query | _pg_term(term, prefix=prefix)
    return query


def _pg_any_deduplicated(terms: list[str]) -> SearchQuery:
    """_pg_any(terms, prefix=True) with each lexeme once, and no exact lexeme that
    a prefix already matches ('cobol' | 'cobol' | 'cobol':* is 'cobol':*). The
    same matches, but PostgreSQL estimates an OR of a dozen repeated lexemes at
    ~40% of the people where ~7% match, and reads every profile instead of the
    GIN index (B4: 65 ms -> 9 ms for three words). One round trip to stem."""
    stems = " || ".join(
        "plainto_tsquery('english', %s) || plainto_tsquery('dutch', %s)"
        " || plainto_tsquery('simple', %s)"
        for _ in terms
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({stems})::text", [term for term in terms for _ in range(3)])
        text = cursor.fetchone()[0] or ""
    prefixes = sorted({term.lower() for term in terms if len(term) >= 2})
    kept = [f"'{prefix}':*" for prefix in prefixes]
    for part in dict.fromkeys(part.strip() for part in text.split(" | ")):
        lexeme = part.strip("'")
        if not part or ("'" not in lexeme and any(lexeme.startswith(p) for p in prefixes)):
            continue  # empty (a stop word), or matched by a prefix already
        kept.append(part)  # as PostgreSQL wrote it: a quoted lexeme, or 'a' & 'b'
    if not kept:
        return _pg_any(terms, prefix=True)
    # Terms are \w+ only and the rest is PostgreSQL's own output: no stray operators.
    return SearchQuery(" | ".join(kept), config="simple", search_type="raw")


def _pg_all(terms: list[str], *, prefix_last: bool = False) -> SearchQuery:
    query = _pg_term(terms[0], prefix=prefix_last and len(terms) == 1)
    for index, term in enumerate(terms[1:], start=1):
        query = query & _pg_term(term, prefix=prefix_last and index == len(terms) - 1)
    return query


class _PostgresFullText:
    def after_write(self, document_ids: list[int]) -> None:
        if document_ids:
            SearchDocument.objects.filter(pk__in=document_ids).update(search_vector=_pg_vector())

    def people_matches(self, terms: list[str], *, limit: int) -> dict[int, float]:
        query = _pg_any_deduplicated(terms)
        scores: dict[int, float] = dict(
            SearchDocument.objects.filter(kind=DocumentKind.PERSON, search_vector=query)
            .annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank", "object_id")
            .values_list("object_id", "rank")[:limit]
        )
        top = max(scores.values(), default=1.0) or 1.0
        # Misspelt names: trigram word similarity, served by the title trigram index.
        phrase = " ".join(terms)
        similar = (
            SearchDocument.objects.filter(kind=DocumentKind.PERSON)
            .alias(name=Lower("title"))
            .filter(name__trigram_word_similar=phrase)
            .annotate(similarity=TrigramSimilarity(Lower("title"), phrase))
            .order_by("-similarity", "object_id")
            .values_list("object_id", "similarity")[:limit]
        )
        for object_id, similarity in similar:
            score = top * TRIGRAM_NAME_WEIGHT * max(similarity, 0.5)
            scores[object_id] = max(scores.get(object_id, 0.0), score)
        return scores

    def fuzzy_tag_names(self, term: str, *, limit: int) -> list[str]:
        return list(
            Tag.objects.alias(lowered=Lower("name"))
            .filter(lowered__trigram_similar=term)
            .annotate(similarity=TrigramSimilarity(Lower("name"), term))
            .filter(similarity__gte=TRIGRAM_TAG_MIN)
            .exclude(lowered=term)
            .order_by("-similarity", "name")
            .values_list("name", flat=True)[:limit]
        )

    def _matching(self, kind: str, terms: list[str], scope: ContentScope) -> QuerySet:
        return _scoped(kind, scope).filter(search_vector=_pg_all(terms))

    def content_search(
        self, kind: str, terms: list[str], scope: ContentScope, *, offset: int, limit: int
    ) -> HitPage:
        query = _pg_all(terms)
        matching = self._matching(kind, terms, scope)
        documents = (
            matching.annotate(
                rank=SearchRank(F("search_vector"), query),
                snippet=SearchHeadline(
                    "body",
                    query,
                    config="english",
                    start_sel=MARK_START,
                    stop_sel=MARK_END,
                    max_words=SNIPPET_WORDS,
                    min_words=SNIPPET_WORDS // 2,
                ),
            )
            .defer("search_vector")
            .order_by("-rank", "-created_at", "pk")[offset : offset + limit]
        )
        hits = [_hit(document, document.rank, document.snippet) for document in documents]
        page = HitPage(hits=hits, total=matching.count())
        if kind == DocumentKind.POST:
            page.facets["group"] = _group_facet(matching)
        return page

    def content_count(self, kind: str, terms: list[str], scope: ContentScope) -> int:
        return self._matching(kind, terms, scope).count()

    def prefix_search(
        self, kind: str, terms: list[str], scope: ContentScope | None, *, limit: int
    ) -> list[Hit]:
        query = _pg_all(terms, prefix_last=True)
        documents = (
            _scoped(kind, scope)
            .filter(search_vector=query)
            .annotate(rank=SearchRank(F("search_vector"), query))
            .defer("search_vector")
            .order_by("-rank", "title", "pk")[:limit]
        )
        return [_hit(document, document.rank, "") for document in documents]


def _group_facet(matching: QuerySet[SearchDocument]) -> list[tuple[int | None, int]]:
    return [
        (row["group_id"], row["count"])
        for row in matching.values("group_id")
        .annotate(count=Count("pk"))
        .order_by("-count", "group_id")[:GROUP_FACET_SIZE]
    ]


# --- SQLite -------------------------------------------------------------------------------


def _fts_quote(term: str) -> str:
    return '"' + term.replace('"', "") + '"'


class _SqliteFullText:
    def after_write(self, document_ids: list[int]) -> None:
        """Triggers keep the FTS5 tables in step; nothing else to do."""

    def _vocabulary(self, kind: str, term: str) -> list[str]:
        edits = allowed_edits(term)
        low, high = term[0], chr(ord(term[0]) + 1)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT term FROM search_fts_{kind}_vocab WHERE term >= %s AND term < %s"
                " AND length(term) BETWEEN %s AND %s",
                [low, high, len(term) - edits - 2, len(term) + edits],
            )
            return [row[0] for row in cursor.fetchall()]

    def _variants(self, kind: str, term: str) -> list[str]:
        """The term and, for typo tolerance, the indexed words one or two edits away."""
        if allowed_edits(term) == 0:
            return [term]
        return [term, *closest(term, self._vocabulary(kind, term), limit=3)]

    def _any_expression(self, kind: str, terms: list[str]) -> str:
        words = [
            _fts_quote(variant) + ("*" if len(variant) >= 3 else "")
            for term in terms
            for variant in self._variants(kind, term)
        ]
        return " OR ".join(words)

    def _all_expression(self, kind: str, terms: list[str], *, prefix_last: bool = False) -> str:
        groups = []
        for index, term in enumerate(terms):
            if prefix_last and index == len(terms) - 1:
                groups.append(_fts_quote(term) + "*")
                continue
            variants = [_fts_quote(variant) for variant in self._variants(kind, term)]
            groups.append("(" + " OR ".join(variants) + ")")
        return " AND ".join(groups)

    def _scope_sql(self, kind: str, scope: ContentScope | None) -> tuple[str, tuple]:
        sql, params = _scoped(kind, scope).values("pk").query.sql_with_params()
        return sql, tuple(params)

    def people_matches(self, terms: list[str], *, limit: int) -> dict[int, float]:
        expression = self._any_expression(DocumentKind.PERSON, terms)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.object_id, -bm25(search_fts_person, {BM25_WEIGHTS}) AS score"
                " FROM search_fts_person JOIN search_searchdocument d"
                " ON d.id = search_fts_person.rowid"
                " WHERE search_fts_person MATCH %s ORDER BY score DESC, d.object_id LIMIT %s",
                [expression, limit],
            )
            return {object_id: score for object_id, score in cursor.fetchall()}

    def fuzzy_tag_names(self, term: str, *, limit: int) -> list[str]:
        edits = allowed_edits(term)
        names = (
            Tag.objects.filter(name__istartswith=term[0])
            .annotate(length=Length("name"))
            .filter(length__gte=len(term) - edits, length__lte=len(term) + edits)
            .values_list("name", flat=True)
        )
        return closest(term, names, limit=limit)

    def _select(self, kind: str, expression: str, scope: ContentScope, tail: str) -> tuple:
        scope_sql, scope_params = self._scope_sql(kind, scope)
        table = f"search_fts_{kind}"
        sql = (
            f" FROM {table} JOIN search_searchdocument d ON d.id = {table}.rowid"
            f" WHERE {table} MATCH %s AND d.id IN ({scope_sql}) {tail}"
        )
        return sql, (expression, *scope_params)

    def content_search(
        self, kind: str, terms: list[str], scope: ContentScope, *, offset: int, limit: int
    ) -> HitPage:
        expression = self._all_expression(kind, terms)
        table = f"search_fts_{kind}"
        from_sql, params = self._select(
            kind, expression, scope, "ORDER BY score DESC, d.created_at DESC LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.id, -bm25({table}, {BM25_WEIGHTS}) AS score,"
                f" snippet({table}, 2, %s, %s, '…', {SNIPPET_WORDS})" + from_sql,
                [MARK_START, MARK_END, *params, limit, offset],
            )
            rows = cursor.fetchall()
        documents = SearchDocument.objects.defer("search_vector").in_bulk([row[0] for row in rows])
        hits = [_hit(documents[pk], score, snippet) for pk, score, snippet in rows]
        count_sql, count_params = self._select(kind, expression, scope, "")
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*)" + count_sql, count_params)
            total = cursor.fetchone()[0]
        page = HitPage(hits=hits, total=total)
        if kind == DocumentKind.POST and total:
            facet_sql, facet_params = self._select(
                kind, expression, scope, "GROUP BY d.group_id ORDER BY 2 DESC, 1 LIMIT %s"
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT d.group_id, count(*)" + facet_sql, [*facet_params, GROUP_FACET_SIZE]
                )
                page.facets["group"] = [(group_id, count) for group_id, count in cursor.fetchall()]
        return page

    def content_count(self, kind: str, terms: list[str], scope: ContentScope) -> int:
        count_sql, params = self._select(kind, self._all_expression(kind, terms), scope, "")
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*)" + count_sql, params)
            return cursor.fetchone()[0]

    def prefix_search(
        self, kind: str, terms: list[str], scope: ContentScope | None, *, limit: int
    ) -> list[Hit]:
        table = f"search_fts_{kind}"
        expression = "{title tags}: (" + self._all_expression(kind, terms, prefix_last=True) + ")"
        scope_sql, scope_params = self._scope_sql(kind, scope)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.id, -bm25({table}, {BM25_WEIGHTS}) AS score"
                f" FROM {table} JOIN search_searchdocument d ON d.id = {table}.rowid"
                f" WHERE {table} MATCH %s AND d.id IN ({scope_sql})"
                " ORDER BY score DESC, d.title LIMIT %s",
                [expression, *scope_params, limit],
            )
            rows = cursor.fetchall()
        documents = SearchDocument.objects.defer("search_vector").in_bulk([row[0] for row in rows])
        return [_hit(documents[pk], score, "") for pk, score in rows]
