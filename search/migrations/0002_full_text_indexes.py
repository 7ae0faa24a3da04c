"""The database backend's full-text machinery, per database:

PostgreSQL: pg_trgm, a GIN index on the weighted tsvector, trigram indexes on
document titles (names) and tag names for typo tolerance.
SQLite: one FTS5 table per document kind over search_searchdocument (external
content, porter stemming, accents folded), kept in step by triggers, and an
fts5vocab table over each for typo tolerance."""

from django.db import migrations

KINDS = ["person", "post", "comment", "group", "hub"]

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX search_document_vector ON search_searchdocument USING gin (search_vector)",
    "CREATE INDEX search_document_title_trgm ON search_searchdocument"
    " USING gin (lower(title) gin_trgm_ops)",
    "CREATE INDEX search_tag_name_trgm ON taggit_tag USING gin (lower(name) gin_trgm_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_tag_name_trgm",
    "DROP INDEX IF EXISTS search_document_title_trgm",
    "DROP INDEX IF EXISTS search_document_vector",
]


def sqlite_forward(kind: str) -> list[str]:
    table = f"search_fts_{kind}"
    condition = f"'{kind}'"
    return [
        f"CREATE VIRTUAL TABLE {table} USING fts5(title, tags, body,"
        " content='search_searchdocument', content_rowid='id',"
        " tokenize='porter unicode61 remove_diacritics 2')",
        f"CREATE VIRTUAL TABLE {table}_vocab USING fts5vocab({table}, 'row')",
        f"CREATE TRIGGER {table}_ai AFTER INSERT ON search_searchdocument"
        f" WHEN new.kind = {condition} BEGIN"
        f" INSERT INTO {table}(rowid, title, tags, body)"
        " VALUES (new.id, new.title, new.tags, new.body); END",
        f"CREATE TRIGGER {table}_ad AFTER DELETE ON search_searchdocument"
        f" WHEN old.kind = {condition} BEGIN"
        f" INSERT INTO {table}({table}, rowid, title, tags, body)"
        " VALUES ('delete', old.id, old.title, old.tags, old.body); END",
        f"CREATE TRIGGER {table}_au AFTER UPDATE ON search_searchdocument"
        f" WHEN old.kind = {condition} BEGIN"
        f" INSERT INTO {table}({table}, rowid, title, tags, body)"
        " VALUES ('delete', old.id, old.title, old.tags, old.body);"
        f" INSERT INTO {table}(rowid, title, tags, body)"
        " VALUES (new.id, new.title, new.tags, new.body); END",
    ]


def sqlite_backward(kind: str) -> list[str]:
    table = f"search_fts_{kind}"
    return [
        f"DROP TRIGGER IF EXISTS {table}_au",
        f"DROP TRIGGER IF EXISTS {table}_ad",
        f"DROP TRIGGER IF EXISTS {table}_ai",
        f"DROP TABLE IF EXISTS {table}_vocab",
        f"DROP TABLE IF EXISTS {table}",
    ]


def _run(schema_editor, statements: list[str]) -> None:
    for statement in statements:
        schema_editor.execute(statement)


def forward(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRES_FORWARD)
    elif vendor == "sqlite":
        for kind in KINDS:
            _run(schema_editor, sqlite_forward(kind))


def backward(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRES_BACKWARD)
    elif vendor == "sqlite":
        for kind in KINDS:
            _run(schema_editor, sqlite_backward(kind))


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_initial"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(forward, backward)]
