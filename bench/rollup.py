"""B7: the metrics rollup over many participation events, on PostgreSQL.

Inserts N synthetic events spread over 30 days (generate_series, inside a
transaction that is rolled back at the end, so the database is left as it was),
then times `metrics.services.rollup_days` over those days against the raw SQL
GROUP BY of the same events (the floor: what PostgreSQL needs to read them).

    DATABASE_URL=postgres://... python -m bench.rollup [--events 1000000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

DAYS = 30


class _Rollback(Exception):
    pass


def report(events: int) -> str:
    import datetime as dt

    from django.db import connection, transaction
    from django.utils import timezone

    from metrics.services import rollup_days

    if connection.vendor != "postgresql":
        return ""
    today = timezone.localdate()
    first = today - dt.timedelta(days=DAYS - 1)
    figures: dict[str, float] = {}
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                started = time.perf_counter()
                cursor.execute(
                    """
                    INSERT INTO metrics_participationevent
                        (kind, actor_id, department_id, group_id, object_type, object_id,
                         network, occurred_at)
                    SELECT (ARRAY['read','read','read','react','post','comment','share',
                                  'click','visit','kudos'])[1 + (n %% 10)],
                           1 + (n %% 2000), 1 + (n %% 12),
                           CASE WHEN n %% 3 = 0 THEN NULL ELSE 1 + (n %% 200) END,
                           '', NULL,
                           CASE WHEN n %% 10 IN (6, 7)
                                THEN (ARRAY['linkedin','x','facebook'])[1 + (n %% 3)]
                                ELSE '' END,
                           now() - ((n %% (%s * 86400)) || ' seconds')::interval
                    FROM generate_series(1, %s) AS n
                    """,
                    [DAYS, events],
                )
                figures["insert"] = time.perf_counter() - started
                cursor.execute("ANALYZE metrics_participationevent")
                started = time.perf_counter()
                cursor.execute(
                    "SELECT date_trunc('day', occurred_at), kind, network, department_id,"
                    " count(*) FROM metrics_participationevent"
                    " WHERE occurred_at >= now() - interval '30 days'"
                    " GROUP BY 1, 2, 3, 4"
                )
                cursor.fetchall()
                figures["raw"] = time.perf_counter() - started
            started = time.perf_counter()
            figures["rows"] = rollup_days(first, today)
            figures["rollup"] = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    ratio = figures["rollup"] / figures["raw"] if figures["raw"] else 0
    return "\n".join(
        [
            f"B7 metrics rollup on PostgreSQL: {events:,} events over {DAYS} days "
            "(inserted in a transaction that is rolled back; `python -m bench.rollup`).",
            "",
            "| step | seconds | events/s |",
            "| --- | ---: | ---: |",
            f"| raw GROUP BY (day, kind, network, department) | {figures['raw']:.2f} |"
            f" {events / figures['raw']:,.0f} |",
            f"| rollup_days, 4 scopes, {figures['rows']:,} rows written | {figures['rollup']:.2f} |"
            f" {events / figures['rollup']:,.0f} |",
            "",
            f"Rollup / raw: {ratio:.1f}x. At this rate 10 million events take"
            f" {10_000_000 / (events / figures['rollup']) / 60:.1f} minutes.",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from community.startup import load_settings_or_exit

    load_settings_or_exit()
    import django

    django.setup()
    print(report(args.events) or "B7 needs PostgreSQL (DATABASE_URL).")


if __name__ == "__main__":
    main()
