"""Search in Elasticsearch (ELASTICSEARCH_URL): the documents and analysers of
`search.documents`, one alias per kind, rebuilt by loading a new index and
swapping the alias.

Request bodies are built by pure functions (`people_query`, `content_query`,
`content_search_body`, ...) so their rules, above all the scope filter, are
tested as data. Every failure of the server (down, timed out, refused a
request or a document) becomes `SearchBackendError`: the outbox keeps its rows
and retries."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.conf import settings
from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError
from elasticsearch.helpers import BulkIndexError, streaming_bulk

from search.documents import (
    alias_name,
    document_source,
    index_body,
    new_index_name,
    synonym_lines,
)
from search.fuzzy import allowed_edits, closest
from search.indexing import IndexRecord
from search.models import DocumentKind

from .base import (
    MARK_END,
    MARK_START,
    BackendHealth,
    ContentScope,
    Hit,
    HitPage,
    SearchBackend,
    SearchBackendError,
    normalised_scores,
    query_terms,
)

FUZZINESS = "AUTO"
PEOPLE_FIELDS = ["title^3", "tags^3", "body", "body.en", "body.nl"]
CONTENT_FIELDS = ["title^2", "title.en", "title.nl", "tags^3", "body", "body.en", "body.nl"]
SUGGEST_FIELDS = ["title.suggest", "tags.suggest"]
# Highlighted in this order of preference: the words as typed, then stemmed forms.
SNIPPET_FIELDS = ["body", "body.en", "body.nl"]
SNIPPET_CHARS = 160
GROUP_FACET_SIZE = 10
# The facet bucket of posts without a group (company-wide posts).
NO_GROUP = "none"
FUZZY_TAG_CANDIDATES = 50
BULK_CHUNK = 500
SCOPED_KINDS = {DocumentKind.POST, DocumentKind.COMMENT, DocumentKind.GROUP}


# --- request bodies (pure) -----------------------------------------------------------------


def scope_filter(
    kind: str, *, readable_group_ids: Sequence[int] = (), visible_group_ids: Sequence[int] = ()
) -> list[dict[str, Any]]:
    """What the viewer may find, as filter clauses: posts and comments outside any
    group or in a readable group; groups the viewer may know exist. An empty id
    list allows nothing (never everything)."""
    if kind in (DocumentKind.POST, DocumentKind.COMMENT):
        return [
            {
                "bool": {
                    "should": [
                        {"bool": {"must_not": [{"exists": {"field": "group_id"}}]}},
                        {"terms": {"group_id": list(readable_group_ids)}},
                    ],
                    "minimum_should_match": 1,
                }
            }
        ]
    if kind == DocumentKind.GROUP:
        return [{"terms": {"object_id": list(visible_group_ids)}}]
    return []


def people_query(text: str) -> dict[str, Any]:
    """Any word of the text in name, expertise or profile, typos tolerated, and
    typed words as prefixes of names and tags."""
    query = " ".join(query_terms(text))
    return {
        "bool": {
            "should": [
                {
                    "multi_match": {
                        "query": query,
                        "fields": PEOPLE_FIELDS,
                        "type": "best_fields",
                        "operator": "or",
                        "fuzziness": FUZZINESS,
                    }
                },
                *(
                    {"match": {field: {"query": query, "operator": "or"}}}
                    for field in SUGGEST_FIELDS
                ),
            ],
            "minimum_should_match": 1,
        }
    }


def _term_clause(term: str) -> dict[str, Any]:
    return {
        "multi_match": {
            "query": term,
            "fields": CONTENT_FIELDS,
            "type": "best_fields",
            "operator": "and",
            "fuzziness": FUZZINESS,
        }
    }


def content_query(
    kind: str,
    text: str,
    *,
    readable_group_ids: Sequence[int] = (),
    visible_group_ids: Sequence[int] = (),
) -> dict[str, Any]:
    """Every word of the text, each in any field (title, tags, body; stemmed in
    English or Dutch; typos tolerated), inside the viewer's scope. A whole-text
    match on tags lets a multi-word synonym ("machine learning" for "ml") count."""
    terms = query_terms(text)
    every_word = {"bool": {"must": [_term_clause(term) for term in terms]}}
    tag_phrase = {"match": {"tags": {"query": " ".join(terms), "operator": "and"}}}
    return {
        "bool": {
            "must": [{"bool": {"should": [every_word, tag_phrase], "minimum_should_match": 1}}],
            "filter": scope_filter(
                kind, readable_group_ids=readable_group_ids, visible_group_ids=visible_group_ids
            ),
        }
    }


def content_search_body(
    kind: str, query: dict[str, Any], *, offset: int, limit: int
) -> dict[str, Any]:
    """One page of hits with an exact total, a highlighted snippet of the body
    (sentinels, not markup: the text is escaped later) and, for posts, the
    group facet."""
    body: dict[str, Any] = {
        "query": query,
        "from": offset,
        "size": limit,
        "track_total_hits": True,
        "sort": ["_score", {"created_at": {"order": "desc", "unmapped_type": "date"}}],
        "_source": ["title", "url", "group_id", "post_id"],
        "highlight": {
            "pre_tags": [MARK_START],
            "post_tags": [MARK_END],
            "encoder": "default",
            "fields": {
                field: {
                    "fragment_size": SNIPPET_CHARS,
                    "number_of_fragments": 1,
                    "no_match_size": SNIPPET_CHARS,
                }
                for field in SNIPPET_FIELDS
            },
        },
    }
    if kind == DocumentKind.POST:
        body["aggs"] = {
            "group": {
                "terms": {
                    "field": "group_id",
                    "size": GROUP_FACET_SIZE,
                    "missing": NO_GROUP,
                    "order": [{"_count": "desc"}, {"_key": "asc"}],
                }
            }
        }
    return body


def prefix_query(
    kind: str,
    text: str,
    *,
    readable_group_ids: Sequence[int] = (),
    visible_group_ids: Sequence[int] = (),
) -> dict[str, Any]:
    """Autocomplete: every typed word starts a word of the title or tags (the
    edge n-gram subfields), the last one possibly unfinished, inside the scope."""
    return {
        "bool": {
            "must": [
                {
                    "multi_match": {
                        "query": " ".join(query_terms(text)),
                        "type": "bool_prefix",
                        "fields": SUGGEST_FIELDS,
                        "operator": "and",
                    }
                }
            ],
            "filter": scope_filter(
                kind, readable_group_ids=readable_group_ids, visible_group_ids=visible_group_ids
            ),
        }
    }


def fuzzy_tags_body(term: str) -> dict[str, Any]:
    """Documents carrying a tag within the allowed edits of `term`, and the tag
    names they carry (the closest are picked from these by edit distance)."""
    return {
        "size": 0,
        "query": {"fuzzy": {"tags.lower": {"value": term.lower(), "fuzziness": FUZZINESS}}},
        "aggs": {"tags": {"terms": {"field": "tags.keyword", "size": FUZZY_TAG_CANDIDATES}}},
    }


# --- answers -------------------------------------------------------------------------------


def _int_or_none(value: Any) -> int | None:
    return None if value in (None, "", NO_GROUP) else int(value)


def _snippet(highlight: dict[str, list[str]]) -> str:
    """The first fragment that marks a match, else the opening of the body."""
    fragments = [highlight[field][0] for field in SNIPPET_FIELDS if highlight.get(field)]
    marked = [fragment for fragment in fragments if MARK_START in fragment]
    return (marked or fragments or [""])[0]


def _hit(kind: str, raw: dict[str, Any], *, with_snippet: bool) -> Hit:
    source = raw.get("_source") or {}
    return Hit(
        kind=kind,
        object_id=int(raw["_id"]),
        score=float(raw.get("_score") or 0.0),
        title=source.get("title", ""),
        snippet=_snippet(raw.get("highlight") or {}) if with_snippet else "",
        url=source.get("url", ""),
        group_id=_int_or_none(source.get("group_id")),
        post_id=_int_or_none(source.get("post_id")),
    )


def _plain_ids(rows: Iterable[Any]) -> list[int]:
    """A scope's group ids as a terms list (the database backend keeps them as
    subqueries)."""
    return [int(row) for row in rows]


@contextlib.contextmanager
def _backend_errors() -> Iterator[None]:
    """Whatever the client raises for a server that is down, slow or refusing."""
    try:
        yield
    except SearchBackendError:
        raise
    except (ApiError, TransportError, BulkIndexError) as exc:
        raise SearchBackendError(f"{type(exc).__name__}: {exc}"[:300]) from exc


def _failed_items(results: Iterable[tuple[bool, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Bulk items that failed, except deletes of documents that were not there."""
    failed = []
    for ok, item in results:
        if ok:
            continue
        operation, info = next(iter(item.items()))
        if operation == "delete" and info.get("status") == 404:
            continue
        failed.append({operation: {key: info.get(key) for key in ("_id", "status", "error")}})
    return failed


class ElasticsearchBackend(SearchBackend):
    """Search in Elasticsearch through elasticsearch.dsl (ELASTICSEARCH_URL)."""

    name = "elasticsearch"

    def __init__(self, url: str | None = None, timeout: float | None = None) -> None:
        self.url = url or settings.ELASTICSEARCH_URL
        self.client = Elasticsearch(
            self.url,
            request_timeout=timeout or settings.ELASTICSEARCH_TIMEOUT,
            max_retries=0,
            retry_on_timeout=False,
        )
        # Aliases known to exist, so each update does not ask again.
        self._ready: set[str] = set()

    def health(self) -> BackendHealth:
        try:
            info = self.client.cluster.health(timeout="2s")
        except Exception as exc:
            return BackendHealth(ok=False, backend=self.name, detail=type(exc).__name__)
        status = info.get("status", "unknown")
        return BackendHealth(ok=status in {"green", "yellow"}, backend=self.name, detail=status)

    # --- indexing ---------------------------------------------------------------------

    def _ensure_alias(self, kind: str) -> None:
        """Create the first index of `kind` behind its alias. Updates name the
        alias with require_alias, so Elasticsearch never auto-creates a concrete
        index under the alias's name with a guessed mapping."""
        alias = alias_name(kind)
        if alias in self._ready:
            return
        if not self.client.indices.exists_alias(name=alias):
            try:
                self.client.indices.create(
                    index=new_index_name(kind),
                    aliases={alias: {"is_write_index": True}},
                    **index_body(kind, synonym_lines()),
                )
            except ApiError:
                # Another worker may have created it first; only that is fine.
                if not self.client.indices.exists_alias(name=alias):
                    raise
        self._ready.add(alias)

    def apply(self, records: Iterable[IndexRecord], removals: Iterable[tuple[str, int]]) -> None:
        records = list(records)
        removals = list(removals)
        actions: list[dict[str, Any]] = [
            {
                "_op_type": "index",
                "_index": alias_name(record.kind),
                "_id": str(record.object_id),
                "_source": document_source(record),
            }
            for record in records
        ]
        actions.extend(
            {"_op_type": "delete", "_index": alias_name(kind), "_id": str(object_id)}
            for kind, object_id in removals
        )
        if not actions:
            return
        try:
            with _backend_errors():
                for kind in {record.kind for record in records}:
                    self._ensure_alias(kind)
                failed = _failed_items(
                    streaming_bulk(
                        self.client,
                        actions,
                        chunk_size=BULK_CHUNK,
                        raise_on_error=False,
                        require_alias=True,
                    )
                )
        except SearchBackendError:
            self._ready.clear()  # the index may be gone: check again next time
            raise
        if failed:
            self._ready.clear()
            raise SearchBackendError(f"{len(failed)} document(s) refused: {failed[:3]}"[:300])

    def rebuild(self, kind: str, batches: Iterable[list[IndexRecord]]) -> int:
        """Load a new concrete index while the alias keeps serving the old one,
        then move the alias in one atomic update and drop the old index."""
        alias = alias_name(kind)
        index = new_index_name(kind)
        body = index_body(kind, synonym_lines())
        # No refreshes while loading; the default comes back before the swap.
        body["settings"]["refresh_interval"] = "-1"
        count = 0
        with _backend_errors():
            self.client.indices.create(index=index, **body)
            try:
                for batch in batches:
                    actions = [
                        {
                            "_op_type": "index",
                            "_index": index,
                            "_id": str(record.object_id),
                            "_source": document_source(record),
                        }
                        for record in batch
                    ]
                    failed = _failed_items(
                        streaming_bulk(
                            self.client, actions, chunk_size=BULK_CHUNK, raise_on_error=False
                        )
                    )
                    if failed:
                        raise SearchBackendError(
                            f"{len(failed)} document(s) refused: {failed[:3]}"[:300]
                        )
                    count += len(actions)
                self.client.indices.put_settings(
                    index=index, settings={"index": {"refresh_interval": None}}
                )
                self.client.indices.refresh(index=index)
                old = self._indices_behind(alias)
                swap: list[dict[str, Any]] = [
                    {"remove": {"index": name, "alias": alias}} for name in old
                ]
                if not old and self.client.indices.exists(index=alias):
                    # A concrete index squats the alias's name (auto-created by an
                    # update before any rebuild): replace it in the same atomic step.
                    swap.append({"remove_index": {"index": alias}})
                swap.append({"add": {"index": index, "alias": alias, "is_write_index": True}})
                self.client.indices.update_aliases(actions=swap)
            except BaseException:
                # A half-loaded index never goes live; the alias still serves the old one.
                with contextlib.suppress(Exception):
                    if index not in self._indices_behind(alias):
                        self.client.indices.delete(index=index, ignore_unavailable=True)
                raise
            if old:
                self.client.indices.delete(index=",".join(old), ignore_unavailable=True)
        self._ready.add(alias)
        return count

    def _indices_behind(self, alias: str) -> list[str]:
        try:
            return sorted(self.client.indices.get_alias(name=alias).body)
        except NotFoundError:
            return []

    def document_count(self, kind: str) -> int:
        with _backend_errors():
            try:
                return int(self.client.count(index=alias_name(kind))["count"])
            except NotFoundError:
                return 0

    # --- queries ----------------------------------------------------------------------

    def _search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        with _backend_errors():
            # A kind that was never indexed has no alias yet: no hits, not an error.
            return self.client.search(index=index, body=body, ignore_unavailable=True).body

    def _scope_ids(self, kind: str, scope: ContentScope | None) -> dict[str, list[int]]:
        if kind not in SCOPED_KINDS:
            return {}
        if scope is None:
            raise ValueError(f"{kind} documents are searched within a scope")
        if kind == DocumentKind.GROUP:
            return {"visible_group_ids": _plain_ids(scope.visible_list())}
        return {"readable_group_ids": _plain_ids(scope.readable_list())}

    def people_matches(self, text: str, *, limit: int) -> dict[int, float]:
        if not query_terms(text):
            return {}
        response = self._search(
            alias_name(DocumentKind.PERSON),
            {"query": people_query(text), "size": limit, "_source": False},
        )
        scores = {int(hit["_id"]): float(hit["_score"] or 0.0) for hit in response["hits"]["hits"]}
        return normalised_scores(scores)

    def fuzzy_tag_names(self, term: str, *, limit: int = 3) -> list[str]:
        term = term.lower()
        if allowed_edits(term) == 0:
            return []
        # Tags live on people, groups and posts (hashtags).
        indices = ",".join(
            alias_name(kind)
            for kind in (DocumentKind.PERSON, DocumentKind.GROUP, DocumentKind.POST)
        )
        response = self._search(indices, fuzzy_tags_body(term))
        buckets = response.get("aggregations", {}).get("tags", {}).get("buckets", [])
        return closest(term, [bucket["key"] for bucket in buckets], limit=limit)

    def content_search(
        self, kind: str, text: str, scope: ContentScope, *, offset: int, limit: int
    ) -> HitPage:
        if not query_terms(text):
            return HitPage(hits=[], total=0)
        query = content_query(kind, text, **self._scope_ids(kind, scope))
        response = self._search(
            alias_name(kind), content_search_body(kind, query, offset=offset, limit=limit)
        )
        hits = response["hits"]
        page = HitPage(
            hits=[_hit(kind, raw, with_snippet=True) for raw in hits["hits"]],
            total=int(hits["total"]["value"]),
        )
        if kind == DocumentKind.POST:
            buckets = response.get("aggregations", {}).get("group", {}).get("buckets", [])
            page.facets["group"] = [
                (_int_or_none(bucket["key"]), int(bucket["doc_count"])) for bucket in buckets
            ]
        return page

    def content_count(self, kind: str, text: str, scope: ContentScope) -> int:
        if not query_terms(text):
            return 0
        query = content_query(kind, text, **self._scope_ids(kind, scope))
        with _backend_errors():
            response = self.client.count(
                index=alias_name(kind), query=query, ignore_unavailable=True
            )
        return int(response["count"])

    def prefix_search(
        self, kind: str, prefix: str, scope: ContentScope | None, *, limit: int
    ) -> list[Hit]:
        if not query_terms(prefix):
            return []
        query = prefix_query(kind, prefix, **self._scope_ids(kind, scope))
        response = self._search(
            alias_name(kind),
            {
                "query": query,
                "size": limit,
                "sort": ["_score", {"title.keyword": {"order": "asc", "unmapped_type": "keyword"}}],
                "_source": ["title", "url", "group_id", "post_id"],
            },
        )
        return [_hit(kind, raw, with_snippet=False) for raw in response["hits"]["hits"]]
