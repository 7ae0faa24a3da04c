"""The Elasticsearch index bodies and query bodies, checked as data: no server
runs here, so the rules that matter (stemming, autocomplete, synonyms, above
all the scope filter) are asserted on what would be sent."""

from __future__ import annotations

import pytest
from django.test import override_settings
from taggit.models import Tag

from groups.models import Visibility
from profiles.models import TagSynonym
from search.backends.base import MARK_END, MARK_START, ContentScope
from search.backends.elasticsearch import (
    CONTENT_FIELDS,
    content_query,
    content_search_body,
    fuzzy_tags_body,
    people_query,
    prefix_query,
    scope_filter,
)
from search.documents import (
    DOCUMENTS,
    alias_name,
    document_source,
    index_body,
    new_index_name,
    synonym_lines,
)
from search.indexing import IndexRecord
from search.models import DocumentKind
from tests.factories import GroupFactory, MembershipFactory

KINDS = [kind.value for kind in DocumentKind]


def _analysis(body: dict) -> dict:
    return body["settings"]["analysis"]


def _analyzer_filters(body: dict, name: str) -> list[dict]:
    """The definitions of an analyzer's filters (built-in ones by name)."""
    analysis = _analysis(body)
    return [
        analysis["filter"].get(step, {"type": step})
        for step in analysis["analyzer"][name]["filter"]
    ]


def _all_clauses(query) -> list:
    """Every dict and list nested in a query, to search it for a clause."""
    found = [query]
    if isinstance(query, dict):
        for value in query.values():
            found.extend(_all_clauses(value))
    elif isinstance(query, list):
        for value in query:
            found.extend(_all_clauses(value))
    return found


def _terms_values(query, field: str) -> list[list]:
    return [
        clause["terms"][field]
        for clause in _all_clauses(query)
        if isinstance(clause, dict) and field in clause.get("terms", {})
    ]


# --- index bodies --------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_an_index_body_with_strict_mappings(kind):
    body = index_body(kind, [])
    assert body["mappings"]["dynamic"] == "strict"
    assert set(body["mappings"]["properties"]) == set(
        DOCUMENTS[kind]._doc_type.mapping.to_dict()["properties"]
    )


@pytest.mark.parametrize("field", ["title", "body"])
def test_title_and_body_are_stemmed_in_english_and_dutch(field):
    body = index_body(DocumentKind.POST, [])
    subfields = body["mappings"]["properties"][field]["fields"]
    english = _analyzer_filters(body, subfields["en"]["analyzer"])
    dutch = _analyzer_filters(body, subfields["nl"]["analyzer"])
    assert {"type": "stemmer", "language": "english"} in english
    assert {"type": "stemmer", "language": "dutch"} in dutch
    # The field itself keeps the words as typed (folded), for names and exact words.
    assert body["mappings"]["properties"][field]["analyzer"] == "folding"


@pytest.mark.parametrize("field", ["title", "tags"])
def test_title_and_tags_autocomplete_on_edge_ngrams_of_two_to_twenty_letters(field):
    body = index_body(DocumentKind.GROUP, [])
    suggest = body["mappings"]["properties"][field]["fields"]["suggest"]
    index_filters = _analyzer_filters(body, suggest["analyzer"])
    search_filters = _analyzer_filters(body, suggest["search_analyzer"])
    assert {"type": "edge_ngram", "min_gram": 2, "max_gram": 20} in index_filters
    assert [f["type"] for f in index_filters] == ["lowercase", "asciifolding", "edge_ngram"]
    # Typed words are never cut into n-grams themselves.
    assert [f["type"] for f in search_filters] == ["lowercase", "asciifolding"]
    analysis = _analysis(body)
    assert analysis["analyzer"][suggest["analyzer"]]["tokenizer"] == "standard"
    assert analysis["analyzer"][suggest["search_analyzer"]]["tokenizer"] == "standard"


def test_scope_and_facet_fields_are_keywords_and_the_url_is_only_stored():
    properties = index_body(DocumentKind.PERSON, [])["mappings"]["properties"]
    for field in [
        "kind",
        "group_id",
        "post_id",
        "author_id",
        "department_id",
        "location",
        "languages",
        "visibility",
    ]:
        assert properties[field] == {"type": "keyword"}, field
    assert properties["created_at"]["type"] == "date"
    assert properties["url"]["index"] is False


def test_indices_are_reached_through_an_alias_named_after_the_prefix():
    with override_settings(ELASTICSEARCH_INDEX_PREFIX="acme"):
        assert alias_name(DocumentKind.POST) == "acme-post"
        assert new_index_name(DocumentKind.POST).startswith("acme-post-")
        assert new_index_name(DocumentKind.POST)[len("acme-post-") :].isdigit()


@pytest.mark.django_db
def test_synonyms_come_from_merged_tag_spellings():
    kubernetes = Tag.objects.create(name="Kubernetes", slug="kubernetes")
    python = Tag.objects.create(name="python", slug="python")
    TagSynonym.objects.create(key="k8s", tag=kubernetes)
    TagSynonym.objects.create(key="kube", tag=kubernetes)
    TagSynonym.objects.create(key="py, => #3", tag=python)  # rule syntax never leaks in
    Tag.objects.create(name="unmerged", slug="unmerged")

    lines = synonym_lines()

    assert lines == ["k8s, kube, Kubernetes", "py 3, python"]
    body = index_body(DocumentKind.PERSON, lines)
    tags = body["mappings"]["properties"]["tags"]
    synonym_filters = [
        f for f in _analyzer_filters(body, tags["search_analyzer"]) if f["type"] == "synonym_graph"
    ]
    assert [f["synonyms"] for f in synonym_filters] == [lines]
    # Synonyms expand queries only: a graph filter cannot be used while indexing.
    assert all(f["type"] != "synonym_graph" for f in _analyzer_filters(body, tags["analyzer"]))


@pytest.mark.django_db
def test_without_synonyms_the_tag_search_analyzer_has_no_synonym_filter():
    assert synonym_lines() == []
    body = index_body(DocumentKind.GROUP, synonym_lines())
    search_analyzer = body["mappings"]["properties"]["tags"]["search_analyzer"]
    assert [f["type"] for f in _analyzer_filters(body, search_analyzer)] == [
        "lowercase",
        "asciifolding",
    ]


def test_a_document_without_a_group_has_no_group_id_field():
    # The scope filter finds company-wide posts by the missing field.
    source = document_source(IndexRecord(kind=DocumentKind.POST, object_id=7, title="Hello"))
    assert source == {"kind": "post", "object_id": 7, "title": "Hello"}
    assert "group_id" not in source


# --- scope ---------------------------------------------------------------------------


@pytest.fixture
def member_groups(member):
    """An open group, a closed and a secret one the member is in, and a secret
    and a closed group the member is not in."""
    open_group = GroupFactory(visibility=Visibility.OPEN)
    closed_member = MembershipFactory(
        user=member, group=GroupFactory(visibility=Visibility.CLOSED)
    ).group
    secret_member = MembershipFactory(
        user=member, group=GroupFactory(visibility=Visibility.SECRET)
    ).group
    secret_other = GroupFactory(visibility=Visibility.SECRET)
    closed_other = GroupFactory(visibility=Visibility.CLOSED)
    return {
        "readable": {open_group.pk, closed_member.pk, secret_member.pk},
        "visible": {open_group.pk, closed_member.pk, secret_member.pk, closed_other.pk},
        "secret_other": secret_other.pk,
        "closed_other": closed_other.pk,
    }


def _scope_of(viewer) -> ContentScope:
    from search.selectors import content_scope_for

    return content_scope_for(viewer)


def _sent_query(kind: str, scope: ContentScope, text: str = "roadmap") -> dict:
    """The query the backend would send for this scope (without a server)."""
    from search.backends.elasticsearch import ElasticsearchBackend

    backend = ElasticsearchBackend(url="http://127.0.0.1:9", timeout=1)
    return content_query(kind, text, **backend._scope_ids(kind, scope))


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [DocumentKind.POST, DocumentKind.COMMENT])
def test_a_members_content_query_allows_exactly_the_groups_they_may_read(
    kind, member, member_groups
):
    query = _sent_query(kind, _scope_of(member))

    filters = query["bool"]["filter"]
    assert len(filters) == 1
    should = filters[0]["bool"]["should"]
    assert filters[0]["bool"]["minimum_should_match"] == 1
    assert {"bool": {"must_not": [{"exists": {"field": "group_id"}}]}} in should
    [readable] = _terms_values(query, "group_id")
    assert sorted(readable) == sorted(member_groups["readable"])
    assert all(isinstance(group_id, int) for group_id in readable)
    assert member_groups["secret_other"] not in readable
    assert member_groups["closed_other"] not in readable


@pytest.mark.django_db
def test_a_members_group_query_never_names_a_secret_group_they_are_not_in(member, member_groups):
    query = _sent_query(DocumentKind.GROUP, _scope_of(member))

    [visible] = _terms_values(query, "object_id")
    assert sorted(visible) == sorted(member_groups["visible"])
    assert member_groups["secret_other"] not in visible
    assert _terms_values(query, "group_id") == []


@pytest.mark.django_db
def test_an_anonymous_viewer_finds_only_company_wide_content(member_groups):
    from django.contrib.auth.models import AnonymousUser

    query = _sent_query(DocumentKind.POST, _scope_of(AnonymousUser()))

    assert _terms_values(query, "group_id") == [[]]
    assert _terms_values(
        _sent_query(DocumentKind.GROUP, _scope_of(AnonymousUser())), "object_id"
    ) == [[]]


def test_posts_comments_and_groups_cannot_be_searched_without_a_scope():
    from search.backends.elasticsearch import ElasticsearchBackend

    backend = ElasticsearchBackend(url="http://127.0.0.1:9", timeout=1)
    for kind in (DocumentKind.POST, DocumentKind.COMMENT, DocumentKind.GROUP):
        with pytest.raises(ValueError, match="scope"):
            backend._scope_ids(kind, None)
    assert backend._scope_ids(DocumentKind.PERSON, None) == {}
    assert backend._scope_ids(DocumentKind.HUB, None) == {}


def test_people_and_hub_items_need_no_scope():
    assert scope_filter(DocumentKind.PERSON) == []
    assert scope_filter(DocumentKind.HUB) == []
    assert content_query(DocumentKind.HUB, "share")["bool"]["filter"] == []


# --- queries -------------------------------------------------------------------------


def test_content_query_needs_every_word_each_with_typos_tolerated():
    query = content_query(DocumentKind.POST, "Kubernetes, deploymnt!", readable_group_ids=[3])

    [either] = query["bool"]["must"]
    every_word, tag_phrase = either["bool"]["should"]
    clauses = [clause["multi_match"] for clause in every_word["bool"]["must"]]
    assert [clause["query"] for clause in clauses] == ["kubernetes", "deploymnt"]
    for clause in clauses:
        assert clause["fuzziness"] == "AUTO"
        assert clause["operator"] == "and"
        assert clause["fields"] == CONTENT_FIELDS
    assert {"title^2", "title.en", "title.nl", "tags^3", "body", "body.en", "body.nl"} <= set(
        CONTENT_FIELDS
    )
    # The whole text against tags, where multi-word synonyms apply.
    assert tag_phrase == {"match": {"tags": {"query": "kubernetes deploymnt", "operator": "and"}}}


def test_query_text_loses_the_operators_of_any_query_syntax():
    query = content_query(DocumentKind.HUB, 'title:"x" OR (y*)')
    words = [
        clause["multi_match"]["query"]
        for clause in query["bool"]["must"][0]["bool"]["should"][0]["bool"]["must"]
    ]
    assert words == ["title", "x", "or", "y"]


def test_content_search_highlights_the_body_with_the_sentinels():
    body = content_search_body(
        DocumentKind.COMMENT, content_query(DocumentKind.COMMENT, "x"), offset=20, limit=10
    )
    highlight = body["highlight"]
    assert highlight["pre_tags"] == [MARK_START]
    assert highlight["post_tags"] == [MARK_END]
    assert highlight["encoder"] == "default"  # escaped later, by snippet_html
    assert "body" in highlight["fields"]
    for options in highlight["fields"].values():
        assert options == {"fragment_size": 160, "number_of_fragments": 1, "no_match_size": 160}
    assert body["track_total_hits"] is True
    assert (body["from"], body["size"]) == (20, 10)
    assert "aggs" not in body


def test_post_search_counts_hits_per_group_with_a_bucket_for_no_group():
    body = content_search_body(
        DocumentKind.POST, content_query(DocumentKind.POST, "x"), offset=0, limit=20
    )
    terms = body["aggs"]["group"]["terms"]
    assert terms["field"] == "group_id"
    assert terms["size"] == 10
    assert terms["missing"] == "none"


def test_people_query_matches_any_word_with_typos_and_prefixes():
    query = people_query("Jansen kubernets")
    should = query["bool"]["should"]
    assert query["bool"]["minimum_should_match"] == 1
    multi_match = should[0]["multi_match"]
    assert multi_match["operator"] == "or"
    assert multi_match["fuzziness"] == "AUTO"
    assert {"title^3", "tags^3", "body"} <= set(multi_match["fields"])
    prefix_fields = {field for clause in should[1:] for field in clause["match"]}
    assert prefix_fields == {"title.suggest", "tags.suggest"}


@pytest.mark.django_db
def test_prefix_query_uses_the_autocomplete_fields_inside_the_scope(member, member_groups):
    from search.backends.elasticsearch import ElasticsearchBackend

    backend = ElasticsearchBackend(url="http://127.0.0.1:9", timeout=1)
    scope = backend._scope_ids(DocumentKind.POST, _scope_of(member))
    query = prefix_query(DocumentKind.POST, "kube dep", **scope)

    [multi_match] = [clause["multi_match"] for clause in query["bool"]["must"]]
    assert multi_match["type"] == "bool_prefix"
    assert multi_match["fields"] == ["title.suggest", "tags.suggest"]
    assert multi_match["query"] == "kube dep"
    [readable] = _terms_values(query, "group_id")
    assert sorted(readable) == sorted(member_groups["readable"])


def test_fuzzy_tag_names_look_in_the_tag_names_with_auto_fuzziness():
    body = fuzzy_tags_body("Kubernets")
    assert body["query"] == {"fuzzy": {"tags.lower": {"value": "kubernets", "fuzziness": "AUTO"}}}
    assert body["aggs"]["tags"]["terms"]["field"] == "tags.keyword"
    assert body["size"] == 0
