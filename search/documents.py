"""Elasticsearch documents: one index per searchable kind, always reached through
an alias `<prefix>-<kind>` that points at one concrete `<prefix>-<kind>-<timestamp>`
index, so a rebuild can load a fresh index and swap the alias atomically.

Text is indexed three ways: folded (lowercase + ASCII folding, for names and
exact words), English and Dutch stemmed (subfields `.en`/`.nl`), and edge
n-grams for autocomplete (`.suggest` on title and tags). Tags are searched with
the merged spellings of `profiles.TagSynonym` (a `synonym_graph` filter built
when an index is created, from the rows at that moment)."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.utils import timezone
from elasticsearch.dsl import (
    Date,
    Document,
    Index,
    Keyword,
    MetaField,
    Text,
    analyzer,
    normalizer,
    token_filter,
)

from profiles.models import TagSynonym

from .indexing import IndexRecord
from .models import DocumentKind

# --- analysis ----------------------------------------------------------------------------

folding = analyzer("folding", tokenizer="standard", filter=["lowercase", "asciifolding"])

english = analyzer(
    "buzz_english",
    tokenizer="standard",
    filter=[
        token_filter("english_possessive_stemmer", "stemmer", language="possessive_english"),
        "lowercase",
        "asciifolding",
        token_filter("english_stop", "stop", stopwords="_english_"),
        token_filter("english_stemmer", "stemmer", language="english"),
    ],
)

dutch = analyzer(
    "buzz_dutch",
    tokenizer="standard",
    filter=[
        "lowercase",
        token_filter("dutch_stop", "stop", stopwords="_dutch_"),
        token_filter("dutch_stemmer", "stemmer", language="dutch"),
        # After the stemmer, which knows the Dutch diacritics (ideeën -> idee).
        "asciifolding",
    ],
)

AUTOCOMPLETE_MIN_GRAM = 2
AUTOCOMPLETE_MAX_GRAM = 20

autocomplete = analyzer(
    "autocomplete",
    tokenizer="standard",
    filter=[
        "lowercase",
        "asciifolding",
        token_filter(
            "autocomplete_edge_ngram",
            "edge_ngram",
            min_gram=AUTOCOMPLETE_MIN_GRAM,
            max_gram=AUTOCOMPLETE_MAX_GRAM,
        ),
    ],
)
# Typed words are matched whole against the indexed prefixes: no n-grams here.
autocomplete_search = analyzer(
    "autocomplete_search", tokenizer="standard", filter=["lowercase", "asciifolding"]
)

lowercase_ascii = normalizer("lowercase_ascii", filter=["lowercase", "asciifolding"])

# The tags' search analyzer is referred to by name only: its synonym filter
# depends on the database and is added by `index_body` when an index is created.
TAG_SEARCH_ANALYZER = "tag_search"
TAG_SYNONYM_FILTER = "tag_synonyms"


def tag_search_analyzer(synonyms: list[str]):
    """Folded words, then the merged spellings (search time only: a
    synonym_graph filter cannot be used while indexing)."""
    filters: list[Any] = ["lowercase", "asciifolding"]
    if synonyms:
        # An empty synonym list is refused by some versions: no filter then.
        filters.append(
            token_filter(TAG_SYNONYM_FILTER, "synonym_graph", synonyms=synonyms, lenient=True)
        )
    return analyzer(TAG_SEARCH_ANALYZER, tokenizer="standard", filter=filters)


# A synonym rule is "a, b, c"; these characters would change its meaning.
_RULE_SYNTAX = re.compile(r"[,=>#\\\n\r]+")


def _rule_word(text: str) -> str:
    return " ".join(_RULE_SYNTAX.sub(" ", text).split())


def synonym_lines() -> list[str]:
    """One equivalence rule per canonical tag: its merged spellings and its name,
    e.g. "k8s, kube, kubernetes"."""
    spellings: dict[str, list[str]] = {}
    for key, name in TagSynonym.objects.order_by("tag__name", "key").values_list(
        "key", "tag__name"
    ):
        spellings.setdefault(name, []).append(key)
    lines = []
    for name, keys in spellings.items():
        canonical = _rule_word(name)
        words = [word for key in keys if (word := _rule_word(key))]
        words = [word for word in dict.fromkeys(words) if word.lower() != canonical.lower()]
        if canonical and words:
            lines.append(", ".join([*words, canonical]))
    return lines


# --- documents ---------------------------------------------------------------------------


def _stemmed_text(**subfields: Any) -> Text:
    return Text(
        analyzer=folding,
        fields={"en": Text(analyzer=english), "nl": Text(analyzer=dutch), **subfields},
    )


def _suggest() -> Text:
    return Text(analyzer=autocomplete, search_analyzer=autocomplete_search)


class BuzzDocument(Document):
    """What every index holds: the fields of `search.indexing.IndexRecord`."""

    kind = Keyword()
    object_id = Keyword()
    title = _stemmed_text(suggest=_suggest(), keyword=Keyword(ignore_above=256))
    body = _stemmed_text()
    tags = Text(
        analyzer=folding,
        search_analyzer=TAG_SEARCH_ANALYZER,
        fields={
            "keyword": Keyword(ignore_above=100),
            "lower": Keyword(ignore_above=100, normalizer=lowercase_ascii),
            "suggest": _suggest(),
        },
    )
    # Scope and facets: filtered and aggregated, never analysed.
    group_id = Keyword()
    post_id = Keyword()
    author_id = Keyword()
    department_id = Keyword()
    department = Keyword()
    location = Keyword()
    languages = Keyword(multi=True)
    visibility = Keyword()
    created_at = Date()
    url = Keyword(index=False, doc_values=False)

    class Meta:
        # A field the mapping does not know is a bug in the record builders.
        dynamic = MetaField("strict")


class PersonDocument(BuzzDocument):
    """An active member's profile; the id is the user id."""


class PostDocument(BuzzDocument):
    """A post; group_id is its group (none for company-wide posts)."""


class CommentDocument(BuzzDocument):
    """A comment, titled with its post's opening words; scoped by the post's group."""


class GroupDocument(BuzzDocument):
    """A group; object_id and group_id are the group's id."""


class HubDocument(BuzzDocument):
    """A published shareable item of the social hub."""


DOCUMENTS: dict[str, type[BuzzDocument]] = {
    DocumentKind.PERSON: PersonDocument,
    DocumentKind.POST: PostDocument,
    DocumentKind.COMMENT: CommentDocument,
    DocumentKind.GROUP: GroupDocument,
    DocumentKind.HUB: HubDocument,
}


# --- indices -----------------------------------------------------------------------------


def alias_name(kind: str) -> str:
    """The name searches and index updates use; it points at one concrete index."""
    return f"{settings.ELASTICSEARCH_INDEX_PREFIX}-{DocumentKind(kind).value}"


def new_index_name(kind: str) -> str:
    """A fresh concrete index name for `kind` (sortable: newest last)."""
    return f"{alias_name(kind)}-{timezone.now():%Y%m%d%H%M%S%f}"


def index_body(kind: str, synonyms: list[str]) -> dict[str, Any]:
    """Settings and mappings of a new index of `kind`, as sent to `indices.create`."""
    index = Index(alias_name(kind))
    index.mapping(DOCUMENTS[DocumentKind(kind)]._doc_type.mapping)
    index.analyzer(tag_search_analyzer(synonyms))
    # One shard is plenty for an organisation; a replica wherever a second node exists.
    index.settings(number_of_shards=1, auto_expand_replicas="0-1")
    return index.to_dict()


def document_source(record: IndexRecord) -> dict[str, Any]:
    """The stored document of a record; empty values are left out, so "no group"
    is a missing group_id (the scope filter relies on it)."""
    document = DOCUMENTS[DocumentKind(record.kind)](
        kind=str(record.kind),
        object_id=record.object_id,
        title=record.title,
        body=record.body,
        tags=list(record.tags),
        group_id=record.group_id,
        post_id=record.post_id,
        author_id=record.author_id,
        department_id=record.department_id,
        department=record.department,
        location=record.location,
        languages=list(record.languages),
        visibility=record.visibility,
        created_at=record.created_at,
        url=record.url,
    )
    return {key: value for key, value in document.to_dict().items() if value != ""}
