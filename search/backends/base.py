from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True)
class BackendHealth:
    ok: bool
    backend: str
    detail: str = ""


class SearchBackend(ABC):
    """What every search backend offers. Queries arrive with the search issue;
    the foundation needs to know which backend runs and whether it answers."""

    name: str

    @abstractmethod
    def health(self) -> BackendHealth:
        """Whether the backend answers right now (never raises)."""
