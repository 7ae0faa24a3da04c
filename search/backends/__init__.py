"""Search backends behind one interface; ELASTICSEARCH_URL picks Elasticsearch,
otherwise the database backend is the embedded default."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from .base import BackendHealth, SearchBackend

__all__ = ["BackendHealth", "SearchBackend", "get_search_backend"]


@cache
def get_search_backend() -> SearchBackend:
    backend_class = import_string(settings.SEARCH_BACKEND)
    return backend_class()
