"""The Elasticsearch backend over HTTP against a tiny fake server on 127.0.0.1:
updates go through the alias, refused updates raise so the outbox retries,
rebuilds swap the alias only when the new index is loaded, and while the
server is down changes wait in the outbox, none lost."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings

from feed.services import post_create
from groups.models import Visibility
from search.backends import get_search_backend
from search.backends.base import MARK_END, MARK_START, SearchBackendError
from search.backends.elasticsearch import ElasticsearchBackend
from search.indexing import IndexRecord
from search.models import DocumentKind, IndexOutbox
from search.selectors import content_scope_for
from search.services import outbox_drain, outbox_drain_batch
from tests.factories import GroupFactory, MembershipFactory
from tests.helpers import closed_port

ES_BACKEND = "search.backends.elasticsearch.ElasticsearchBackend"


def _not_found(kind: str, what: str) -> tuple[int, dict]:
    reason = f"no such {what}"
    error = {"type": kind, "reason": reason}
    return 404, {"error": {"root_cause": [error], **error}, "status": 404}


class FakeElasticsearch:
    """Just enough of Elasticsearch's REST API for the backend: indices, aliases,
    _bulk (NDJSON), refresh, settings, count, search (a canned answer) and
    cluster health. Every request is logged with where the aliases pointed."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.indices: dict[str, dict[str, dict]] = {}  # concrete index -> id -> source
        self.created: dict[str, dict] = {}  # concrete index -> creation body
        self.aliases: dict[str, list[str]] = {}  # alias -> concrete indices
        self.actions: list[dict[str, Any]] = []  # every bulk action received
        self.log: list[tuple[str, str, dict[str, list[str]]]] = []
        self.refuse_ids: set[str] = set()  # documents answered with a mapping error
        self.search_response: dict[str, Any] = {"hits": {"total": {"value": 0}, "hits": []}}
        self.search_bodies: list[dict] = []

    def add_index(self, name: str, *, alias: str | None = None, docs: dict | None = None) -> None:
        self.indices[name] = dict(docs or {})
        if alias:
            self.aliases.setdefault(alias, []).append(name)

    def resolve(self, name: str) -> str | None:
        if self.aliases.get(name):
            return self.aliases[name][-1]
        return name if name in self.indices else None

    # --- request handling -------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict, body: bytes) -> tuple[int, Any]:
        parts = [part for part in path.split("/") if part]
        with self.lock:
            self.log.append((method, path, {k: list(v) for k, v in self.aliases.items()}))
            if parts == ["_cluster", "health"]:
                return 200, {"cluster_name": "fake", "status": "green"}
            if parts[:1] == ["_alias"]:
                return self._get_alias(parts[1])
            if parts == ["_aliases"]:
                return self._update_aliases(json.loads(body))
            if parts[-1:] == ["_bulk"]:
                return self._bulk(body, require_alias=query.get("require_alias") == ["true"])
            if parts[-1:] == ["_refresh"]:
                return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
            if parts[-1:] == ["_settings"]:
                return 200, {"acknowledged": True}
            if parts[-1:] == ["_count"]:
                target = self.resolve(parts[0])
                if target is None:
                    return _not_found("index_not_found_exception", "index")
                return 200, {"count": len(self.indices[target])}
            if parts[-1:] == ["_search"]:
                self.search_bodies.append(json.loads(body or b"{}"))
                return 200, self.search_response
            if len(parts) == 1:
                return self._index(method, parts[0], body)
        return 400, {"error": f"fake server does not know {method} {path}", "status": 400}

    def _get_alias(self, alias: str) -> tuple[int, Any]:
        if not self.aliases.get(alias):
            return _not_found("aliases_not_found_exception", "alias")
        return 200, {index: {"aliases": {alias: {}}} for index in self.aliases[alias]}

    def _index(self, method: str, name: str, body: bytes) -> tuple[int, Any]:
        if method == "PUT":
            if name in self.indices or name in self.aliases:
                error = {"type": "resource_already_exists_exception", "reason": name}
                return 400, {"error": {"root_cause": [error], **error}, "status": 400}
            definition = json.loads(body or b"{}")
            self.created[name] = definition
            self.add_index(name)
            for alias in definition.get("aliases", {}):
                self.aliases.setdefault(alias, []).append(name)
            return 200, {"acknowledged": True, "index": name}
        if method == "DELETE":
            for index in name.split(","):
                self.indices.pop(index, None)
                for targets in self.aliases.values():
                    if index in targets:
                        targets.remove(index)
            return 200, {"acknowledged": True}
        if method == "HEAD":
            return (200 if name in self.indices else 404), None
        return 400, {"error": "unsupported", "status": 400}

    def _update_aliases(self, request: dict) -> tuple[int, Any]:
        for action in request["actions"]:
            (verb, args), *_ = action.items()
            if verb == "remove":
                self.aliases[args["alias"]].remove(args["index"])
            elif verb == "add":
                self.aliases.setdefault(args["alias"], []).append(args["index"])
            elif verb == "remove_index":
                self.indices.pop(args["index"], None)
        return 200, {"acknowledged": True}

    def _bulk(self, body: bytes, *, require_alias: bool) -> tuple[int, Any]:
        lines = iter(line for line in body.decode().splitlines() if line.strip())
        items = []
        for line in lines:
            (operation, meta), *_ = json.loads(line).items()
            source = json.loads(next(lines)) if operation in ("index", "create") else None
            name, doc_id = meta["_index"], meta["_id"]
            target = self.resolve(name)
            self.actions.append(
                {
                    "op": operation,
                    "index": name,
                    "target": target,
                    "id": doc_id,
                    "source": source,
                    "require_alias": require_alias,
                }
            )
            result = {"_index": target or name, "_id": doc_id}
            if target is None and (require_alias or operation == "delete"):
                error = {"type": "index_not_found_exception", "reason": name}
                items.append({operation: {**result, "status": 404, "error": error}})
            elif doc_id in self.refuse_ids:
                error = {"type": "document_parsing_exception", "reason": "refused"}
                items.append({operation: {**result, "status": 400, "error": error}})
            elif operation == "delete":
                found = self.indices[target].pop(doc_id, None) is not None
                status = 200 if found else 404
                outcome = "deleted" if found else "not_found"
                items.append({operation: {**result, "status": status, "result": outcome}})
            else:
                self.indices.setdefault(target or name, {})[doc_id] = source
                items.append({operation: {**result, "status": 201, "result": "created"}})
        errors = any("error" in item[next(iter(item))] for item in items)
        return 200, {"took": 1, "errors": errors, "items": items}

    # --- what tests read --------------------------------------------------------------

    def indexed_ids(self, alias: str) -> set[int]:
        return {
            int(action["id"])
            for action in self.actions
            if action["op"] == "index" and action["index"] == alias
        }


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        status, payload = self.server.fake.handle(self.command, url.path, parse_qs(url.query), body)
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        # The client refuses answers that do not come from Elasticsearch.
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeElasticsearch


@contextlib.contextmanager
def fake_elasticsearch() -> Iterator[tuple[str, FakeElasticsearch]]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = FakeElasticsearch()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=2)


@pytest.fixture
def fake_es() -> Iterator[tuple[str, FakeElasticsearch]]:
    with fake_elasticsearch() as running:
        yield running


def _post(object_id: int, *, group_id: int | None = None) -> IndexRecord:
    return IndexRecord(
        kind=DocumentKind.POST,
        object_id=object_id,
        title=f"Post {object_id}",
        body=f"About kubernetes, part {object_id}",
        group_id=group_id,
        post_id=object_id,
        url=f"/posts/{object_id}/",
    )


# --- the server is down --------------------------------------------------------------


def test_updates_to_a_server_that_is_down_raise_a_backend_error_quickly():
    backend = ElasticsearchBackend(url=f"http://127.0.0.1:{closed_port()}", timeout=1)
    started = time.monotonic()
    with pytest.raises(SearchBackendError):
        backend.apply([_post(1)], [])
    with pytest.raises(SearchBackendError):
        backend.apply([], [(DocumentKind.POST, 2)])
    with pytest.raises(SearchBackendError):
        backend.content_count(DocumentKind.HUB, "kubernetes", None)
    assert time.monotonic() - started < 2


@pytest.mark.django_db
def test_posts_are_created_while_elasticsearch_is_down_and_all_reach_it_later(member):
    group = MembershipFactory(user=member, group=GroupFactory()).group
    down = f"http://127.0.0.1:{closed_port()}"
    with override_settings(
        SEARCH_BACKEND=ES_BACKEND, ELASTICSEARCH_URL=down, ELASTICSEARCH_TIMEOUT=1
    ):
        get_search_backend.cache_clear()
        started = time.monotonic()
        # Each post is saved; the drain that runs after its commit (called here,
        # inside the test's transaction) fails against the closed port and leaves
        # the rows waiting; the later drains wait for the backoff.
        posts = []
        for number in range(6):
            posts.append(
                post_create(
                    actor=member,
                    body=f"Kubernetes rollout note {number}",
                    group=group if number % 2 else None,
                )
            )
            outbox_drain()
        assert time.monotonic() - started < 5
        waiting = IndexOutbox.objects.filter(kind=DocumentKind.POST)
        assert set(waiting.values_list("object_id", flat=True)) == {post.pk for post in posts}
        assert IndexOutbox.objects.filter(attempts__gt=0).exists()
        assert "ConnectionError" in IndexOutbox.objects.exclude(last_error="").first().last_error
    get_search_backend.cache_clear()

    with fake_elasticsearch() as (url, fake):
        with override_settings(SEARCH_BACKEND=ES_BACKEND, ELASTICSEARCH_URL=url):
            get_search_backend.cache_clear()
            first = outbox_drain_batch(force=True)
            rest = outbox_drain()
        get_search_backend.cache_clear()

    assert first.failed == 0 and rest.failed == 0
    assert not IndexOutbox.objects.exists()
    assert fake.indexed_ids("buzz-post") == {post.pk for post in posts}
    sources = {int(a["id"]): a["source"] for a in fake.actions if a["index"] == "buzz-post"}
    assert sources[posts[1].pk]["group_id"] == group.pk
    assert "group_id" not in sources[posts[0].pk]
    # The first update made the index behind the alias, with the real mapping.
    [post_index] = fake.aliases["buzz-post"]
    assert fake.created[post_index]["mappings"]["dynamic"] == "strict"


# --- updates -------------------------------------------------------------------------


@pytest.mark.django_db
def test_updates_go_through_the_alias_and_deleting_a_missing_document_is_fine(fake_es):
    url, fake = fake_es
    backend = ElasticsearchBackend(url=url, timeout=2)

    backend.apply([_post(1), _post(2, group_id=5)], [(DocumentKind.POST, 99)])
    backend.apply([], [(DocumentKind.POST, 1), (DocumentKind.COMMENT, 3)])

    [index] = fake.aliases["buzz-post"]
    assert index.startswith("buzz-post-")
    assert fake.created[index]["aliases"] == {"buzz-post": {"is_write_index": True}}
    assert [(a["op"], a["index"], a["id"]) for a in fake.actions] == [
        ("index", "buzz-post", "1"),
        ("index", "buzz-post", "2"),
        ("delete", "buzz-post", "99"),
        ("delete", "buzz-post", "1"),
        ("delete", "buzz-comment", "3"),
    ]
    assert set(fake.indices[index]) == {"2"}
    # Updates never auto-create an index under the alias's name.
    assert all(action["require_alias"] for action in fake.actions)
    assert "buzz-comment" not in fake.indices


@pytest.mark.django_db
def test_a_refused_document_raises_so_the_outbox_keeps_the_change(fake_es):
    url, fake = fake_es
    fake.refuse_ids = {"2"}
    backend = ElasticsearchBackend(url=url, timeout=2)

    with pytest.raises(SearchBackendError, match="1 document"):
        backend.apply([_post(1), _post(2)], [])


def test_the_health_of_an_answering_server_is_ok(fake_es):
    url, _fake = fake_es
    health = ElasticsearchBackend(url=url, timeout=2).health()
    assert (health.ok, health.detail) == (True, "green")


def test_a_kind_never_indexed_counts_zero_documents(fake_es):
    url, _fake = fake_es
    assert ElasticsearchBackend(url=url, timeout=2).document_count(DocumentKind.HUB) == 0


# --- rebuilds ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_rebuild_loads_a_new_index_before_moving_the_alias_to_it(fake_es):
    url, fake = fake_es
    fake.add_index("buzz-post-1", alias="buzz-post", docs={"7": {"title": "old"}})
    backend = ElasticsearchBackend(url=url, timeout=2)

    count = backend.rebuild(DocumentKind.POST, iter([[_post(1), _post(2)], [_post(3)]]))

    assert count == 3
    [new] = fake.aliases["buzz-post"]
    assert new != "buzz-post-1"
    assert set(fake.indices[new]) == {"1", "2", "3"}
    assert "buzz-post-1" not in fake.indices  # the old index is dropped after the swap
    # The documents went straight into the new index, never through the alias.
    assert {(a["index"], a["target"], a["require_alias"]) for a in fake.actions} == {
        (new, new, False)
    }
    steps = [path.strip("/") for _method, path, _aliases in fake.log]
    swap = steps.index("_aliases")
    # Searches kept reading the old index until the one atomic alias update...
    for _method, path, aliases in fake.log[: swap + 1]:
        assert aliases["buzz-post"] == ["buzz-post-1"], path
    # ...which came after the load and the refresh, and before the old index went.
    assert steps.index(f"{new}/_refresh") < swap
    assert max(i for i, step in enumerate(steps) if step == "_bulk") < swap
    assert steps.index("buzz-post-1") > swap
    assert fake.created[new]["settings"]["refresh_interval"] == "-1"


@pytest.mark.django_db
def test_the_first_rebuild_just_adds_the_alias(fake_es):
    url, fake = fake_es
    backend = ElasticsearchBackend(url=url, timeout=2)

    assert backend.rebuild(DocumentKind.GROUP, iter([[]])) == 0

    [index] = fake.aliases["buzz-group"]
    assert index.startswith("buzz-group-")
    assert backend.document_count(DocumentKind.GROUP) == 0


@pytest.mark.django_db
def test_a_failed_rebuild_leaves_searches_on_the_old_index(fake_es):
    url, fake = fake_es
    fake.add_index("buzz-post-1", alias="buzz-post", docs={"7": {"title": "old"}})
    fake.refuse_ids = {"2"}
    backend = ElasticsearchBackend(url=url, timeout=2)

    with pytest.raises(SearchBackendError):
        backend.rebuild(DocumentKind.POST, iter([[_post(1), _post(2)]]))

    assert fake.aliases["buzz-post"] == ["buzz-post-1"]
    assert set(fake.indices) == {"buzz-post-1"}  # the half-loaded index is gone


# --- answers -------------------------------------------------------------------------


@pytest.mark.django_db
def test_content_search_reads_hits_snippets_and_the_group_facet(fake_es, member):
    url, fake = fake_es
    group = MembershipFactory(user=member, group=GroupFactory(visibility=Visibility.SECRET)).group
    snippet = f"the {MARK_START}kubernetes{MARK_END} rollout <b>now</b>"
    fake.search_response = {
        "hits": {
            "total": {"value": 3, "relation": "eq"},
            "hits": [
                {
                    "_id": "11",
                    "_score": 2.5,
                    "_source": {"title": "Rollout", "url": "/p/11/", "group_id": group.pk},
                    "highlight": {"body": ["the rollout"], "body.en": [snippet]},
                },
                {"_id": "12", "_score": 1.0, "_source": {"title": "Other", "url": "/p/12/"}},
            ],
        },
        "aggregations": {
            "group": {
                "buckets": [
                    {"key": str(group.pk), "doc_count": 2},
                    {"key": "none", "doc_count": 1},
                ]
            }
        },
    }
    backend = ElasticsearchBackend(url=url, timeout=2)

    page = backend.content_search(
        DocumentKind.POST, "kubernets", content_scope_for(member), offset=0, limit=20
    )

    assert page.total == 3
    assert [(hit.object_id, hit.group_id, hit.url) for hit in page.hits] == [
        (11, group.pk, "/p/11/"),
        (12, None, "/p/12/"),
    ]
    assert page.hits[0].snippet == snippet  # the marked fragment, not escaped here
    assert page.hits[1].snippet == ""
    assert page.facets["group"] == [(group.pk, 2), (None, 1)]
    [sent] = fake.search_bodies
    assert sent["track_total_hits"] is True
    assert sent["highlight"]["pre_tags"] == [MARK_START]
    [scope] = sent["query"]["bool"]["filter"]
    assert scope["bool"]["should"][1] == {"terms": {"group_id": [group.pk]}}
