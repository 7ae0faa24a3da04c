"""Typo tolerance where the database has none built in (SQLite): the edit
distance that Elasticsearch's `fuzziness: AUTO` uses, over a vocabulary."""

from __future__ import annotations

from collections.abc import Iterable


def allowed_edits(term: str) -> int:
    """Elasticsearch's AUTO fuzziness: exact up to 2 letters, 1 edit up to 5, else 2."""
    if len(term) <= 2:
        return 0
    return 1 if len(term) <= 5 else 2


def edit_distance(a: str, b: str, *, limit: int) -> int:
    """Optimal string alignment distance (a swap of neighbours is one edit),
    giving up early: anything above `limit` is reported as limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def closest(term: str, vocabulary: Iterable[str], *, limit: int = 3) -> list[str]:
    """Vocabulary words within the allowed edits of `term`, nearest first."""
    edits = allowed_edits(term)
    if edits == 0:
        return []
    scored = []
    for word in vocabulary:
        distance = edit_distance(term, word.lower(), limit=edits)
        if 0 < distance <= edits:
            scored.append((distance, word))
    scored.sort()
    return [word for _, word in scored[:limit]]
