from __future__ import annotations

from django.conf import settings
from elasticsearch import Elasticsearch

from .base import BackendHealth, SearchBackend


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

    def health(self) -> BackendHealth:
        try:
            info = self.client.cluster.health(timeout="2s")
        except Exception as exc:
            return BackendHealth(ok=False, backend=self.name, detail=type(exc).__name__)
        status = info.get("status", "unknown")
        return BackendHealth(ok=status in {"green", "yellow"}, backend=self.name, detail=status)
