from __future__ import annotations

from django.db import connection

from .base import BackendHealth, SearchBackend


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
