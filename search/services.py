"""Writes of the search app: the indexing outbox, its drain, full rebuilds and
the aggregate search statistics."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from .backends import get_search_backend
from .backends.base import SearchBackend
from .indexing import IndexRecord, all_object_ids, records_for
from .models import (
    DocumentKind,
    ExpertiseBound,
    ExpertiseStale,
    ExpertiseStat,
    IndexOutbox,
    IndexRebuild,
    SearchQueryStat,
)
from .selectors import expertise_stats_count, ids_in_sql, tag_score_sql

logger = logging.getLogger(__name__)

DRAIN_BATCH = 500
RETRY_BASE_S = 2
RETRY_MAX_S = 300
QUERY_STAT_MAX = 100
# A rebuild lock older than this belongs to a rebuild that died; drains ignore it.
REBUILD_LOCK_MAX = timedelta(hours=6)


def outbox_add(kind: str, object_ids: Iterable[int]) -> None:
    """Note that these objects changed, in the caller's transaction; a drain
    runs after commit (and again later while the backend is down)."""
    rows = [IndexOutbox(kind=kind, object_id=object_id) for object_id in set(object_ids)]
    if not rows:
        return
    IndexOutbox.objects.bulk_create(rows)
    _drain_after_commit()


def _drain_after_commit() -> None:
    # One drain per transaction is enough, however many rows it wrote.
    pending = getattr(connection, "run_on_commit", [])
    if any(entry[1] is _enqueue_drain for entry in pending):
        return
    transaction.on_commit(_enqueue_drain, robust=True)


def _enqueue_drain() -> None:
    from .tasks import search_outbox_drain

    search_outbox_drain.enqueue()


@dataclass
class DrainResult:
    indexed: int = 0
    removed: int = 0
    failed: int = 0
    skipped_backend_down: bool = False
    error: str = ""
    recounted: int = 0  # members whose expertise statistics were recounted


def backend_backing_off(now=None) -> bool:
    """True while a failed batch waits for its retry: later changes wait too,
    instead of each one trying a backend that just failed."""
    now = now or timezone.now()
    return IndexOutbox.objects.filter(attempts__gt=0, next_attempt_at__gt=now).exists()


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(RETRY_BASE_S * 2 ** max(attempts - 1, 0), RETRY_MAX_S))


def outbox_drain_batch(
    *, backend: SearchBackend | None = None, batch_size: int = DRAIN_BATCH, force: bool = False
) -> DrainResult:
    """Send one batch of due outbox rows to the backend. Rows are deleted only
    after the backend took them; on failure they wait with exponential backoff
    (2 s, 4 s, ... 5 min). A row written while the batch ran stays for the next."""
    backend = backend or get_search_backend()
    result = DrainResult()
    now = timezone.now()
    if not force and backend_backing_off(now):
        result.skipped_backend_down = True
        return result
    with transaction.atomic():
        due = IndexOutbox.objects.exclude(kind__in=kinds_being_rebuilt(now))
        if not force:
            due = due.filter(next_attempt_at__lte=now)
        rows = list(
            due.select_for_update(skip_locked=True)
            .order_by("id")
            .values_list("id", "kind", "object_id")[:batch_size]
        )
        if not rows:
            return result
        wanted: dict[str, set[int]] = defaultdict(set)
        for _, kind, object_id in rows:
            wanted[kind].add(object_id)
        records: list[IndexRecord] = []
        removals: list[tuple[str, int]] = []
        for kind, ids in wanted.items():
            found = records_for(kind, sorted(ids))
            records.extend(found.values())
            removals.extend((kind, object_id) for object_id in ids - found.keys())
        row_ids = [row_id for row_id, _, _ in rows]
        try:
            backend.apply(records, removals)
        except Exception as exc:
            logger.warning("search index update failed, will retry: %r", exc)
            attempts = (
                IndexOutbox.objects.filter(pk__in=row_ids).order_by("-attempts").first().attempts
            )
            IndexOutbox.objects.filter(pk__in=row_ids).update(
                attempts=F("attempts") + 1,
                next_attempt_at=now + _backoff(attempts + 1),
                last_error=f"{type(exc).__name__}: {exc}"[:300],
            )
            result.failed = len(row_ids)
            result.error = type(exc).__name__
            return result
        IndexOutbox.objects.filter(pk__in=row_ids).delete()
    result.indexed = len(records)
    result.removed = len(removals)
    return result


def outbox_drain(*, backend: SearchBackend | None = None, max_batches: int = 100) -> DrainResult:
    """Drain until the outbox is empty, a batch fails or `max_batches` ran.
    First recount the expertise of members whose evidence changed: that is
    database work only, so it goes on while the search backend is down."""
    total = DrainResult(recounted=expertise_stats_refresh_due())
    for _ in range(max_batches):
        result = outbox_drain_batch(backend=backend)
        total.indexed += result.indexed
        total.removed += result.removed
        total.failed += result.failed
        total.skipped_backend_down = result.skipped_backend_down
        total.error = result.error
        if result.failed or result.skipped_backend_down or not (result.indexed or result.removed):
            break
    return total


def kinds_being_rebuilt(now=None) -> list[str]:
    now = now or timezone.now()
    return list(
        IndexRebuild.objects.filter(started_at__gt=now - REBUILD_LOCK_MAX).values_list(
            "kind", flat=True
        )
    )


def _batches(kind: str, batch_size: int, on_batch: Callable[[int], None]) -> Iterator[list]:
    ids: list[int] = []

    def flush() -> list[IndexRecord]:
        records = list(records_for(kind, ids).values())
        on_batch(len(ids))
        ids.clear()
        return records

    for object_id in all_object_ids(kind):
        ids.append(object_id)
        if len(ids) >= batch_size:
            yield flush()
    if ids:
        yield flush()


def index_rebuild(
    kind: str,
    *,
    backend: SearchBackend | None = None,
    batch_size: int = DRAIN_BATCH,
    on_batch: Callable[[int], None] = lambda count: None,
) -> int:
    """Rebuild the whole index of `kind` from the database while searches keep
    answering from the old one. Changes made meanwhile wait in the outbox (the
    drain skips a kind being rebuilt) and reach the new index after the swap."""
    backend = backend or get_search_backend()
    kind = DocumentKind(kind)
    IndexRebuild.objects.update_or_create(kind=kind, defaults={"started_at": timezone.now()})
    try:
        return backend.rebuild(kind, _batches(kind, batch_size, on_batch))
    finally:
        IndexRebuild.objects.filter(kind=kind).delete()
        _drain_after_commit()


def search_query_record(text: str, *, found: int) -> None:
    """Count a search by its normalised text, never by who asked."""
    query = " ".join(text.lower().split())[:QUERY_STAT_MAX]
    if not query:
        return
    stat, _created = SearchQueryStat.objects.get_or_create(day=timezone.localdate(), query=query)
    SearchQueryStat.objects.filter(pk=stat.pk).update(
        count=F("count") + 1, zero_results=F("zero_results") + (0 if found else 1)
    )


# --- expertise statistics (the people search's ranking data) ------------------------

STATS_BATCH = 500


def expertise_stale_mark(user_ids: Iterable[int]) -> None:
    """These members' expertise must be recounted: noted in the caller's
    transaction, recounted by the search task after commit."""
    rows = [ExpertiseStale(user_id=user_id) for user_id in set(user_ids) if user_id]
    if not rows:
        return
    ExpertiseStale.objects.bulk_create(rows)
    _drain_after_commit()


def expertise_stats_refresh(user_ids: Iterable[int]) -> int:
    """Recount the expertise statistics of these members from the evidence
    (listed tags, endorsements, tagged posts, accepted answers, topic groups);
    returns the number of rows written."""
    user_ids = sorted(set(user_ids))
    written = 0
    for start in range(0, len(user_ids), STATS_BATCH):
        batch = user_ids[start : start + STATS_BATCH]
        rows = expertise_stats_count(batch)
        with transaction.atomic():
            ExpertiseStat.objects.filter(user_id__in=batch).delete()
            written += len(ExpertiseStat.objects.bulk_create(rows, batch_size=2000))
            expertise_bounds_fill(batch)
    return written


# The bound is computed as of a day ago: the score only falls as time passes,
# and a day of slack covers clocks that disagree (it loosens the bound ~0.1%).
BOUND_AS_OF = timedelta(days=1)
BOUND_MARGIN = 1e-9  # float rounding must never put a bound below its score


def expertise_bounds_fill(user_ids: Iterable[int]) -> None:
    """Rewrite these members' ExpertiseBound rows from their ExpertiseStat rows:
    the score with every group counted as readable, in the same SQL as the
    search's own score (selectors.tag_score_sql), so no viewer can score more."""
    user_ids = list(user_ids)
    ExpertiseBound.objects.filter(user_id__in=user_ids).delete()
    if not user_ids:
        return
    users_in, params = ids_in_sql("s.user_id", user_ids)
    score = tag_score_sql(timezone.now() - BOUND_AS_OF)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {ExpertiseBound._meta.db_table} (user_id, tag_id, bound)
            SELECT s.user_id, s.tag_id, ({score}) * (1 + {BOUND_MARGIN!r}) + {BOUND_MARGIN!r}
            FROM (SELECT s.*, 1 AS readable FROM {ExpertiseStat._meta.db_table} s
                  WHERE {users_in}) s
            GROUP BY s.user_id, s.tag_id
            """,
            params,
        )


def expertise_stats_refresh_due(*, max_users: int = 5000) -> int:
    """Recount the members marked stale; returns how many were recounted. A
    mark written while this runs stays for the next run."""
    with transaction.atomic():
        marks = list(
            ExpertiseStale.objects.select_for_update(skip_locked=True)
            .order_by("id")
            .values_list("id", "user_id")[:max_users]
        )
        if not marks:
            return 0
        users = {user_id for _, user_id in marks}
        expertise_stats_refresh(users)
        ExpertiseStale.objects.filter(pk__in=[mark_id for mark_id, _ in marks]).delete()
    return len(users)


def expertise_stats_rebuild(*, on_batch: Callable[[int], None] = lambda count: None) -> int:
    """Recount everyone (after an import, or as a nightly safety net)."""
    from profiles.models import User

    # A deleted member's rows went with them (on_delete=CASCADE).
    user_ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
    written = 0
    for start in range(0, len(user_ids), STATS_BATCH):
        batch = user_ids[start : start + STATS_BATCH]
        written += expertise_stats_refresh(batch)
        on_batch(len(batch))
    return written
