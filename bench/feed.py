"""B3 home feed: the first page for a member of 30 groups following 150 people.

Two designs are measured on the same data, interleaved:

* **fan-out on read** (what Buzz does): one keyset query over the posts table
  that takes company-wide posts, posts in the member's groups and posts by the
  people they follow, filtered by what they may read (groups.selectors);
* **fan-out on write** (Mastodon/BookWyrm style): each post's id is pushed into
  a Redis sorted set per recipient when it is written; the first page is
  ZREVRANGE + the same post query by primary key + the same card decorations.

Baselines from the same rounds: the bare SQL for the same 20 ids, and that SQL
behind an empty Django view (the floor a page can reach through Django). The
write side of fan-out on write is measured too: one post's ZADDs to every
member of groups of 20, 200, 1,000 and the largest group, pipelined.

Runs against the generated organisation (`manage.py bench_org`, PostgreSQL) and
a Redis; `python -m bench.feed` alone, or as part of `make bench`.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

SUBJECT = "bench.subject"
TIMELINE_LENGTH = 800  # Mastodon keeps 800 ids per home timeline
PAGE = 20


@dataclass
class Row:
    name: str
    samples: list[float]
    queries: int | None = None

    def quantiles(self) -> tuple[float, float, float]:
        q = statistics.quantiles(self.samples, n=100, method="inclusive")
        return statistics.median(self.samples), q[94], q[98]


def timed_rounds(scenarios: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Every scenario once per round, the order rotating, so drift hits all alike."""
    for run in scenarios.values():  # warm caches and connections
        run()
    timings: dict[str, list[float]] = {name: [] for name in scenarios}
    names = list(scenarios)
    for round_no in range(rounds):
        shift = round_no % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            scenarios[name]()
            timings[name].append((time.perf_counter() - start) * 1000)
    return timings


def timeline_key(user_id: int) -> str:
    return f"bench:timeline:{user_id}"


def timeline_page(redis, user, *, size: int = PAGE):
    """Fan-out on write, the read side: ids from the member's sorted set, then
    the posts by primary key, still through the visibility rules (a member who
    left a group must not see it), decorated as the feed decorates them."""
    from feed.models import Post
    from feed.selectors import FEED_ORDERING, _post_list, attach_engagement

    ids = [int(i) for i in redis.zrevrange(timeline_key(user.pk), 0, size - 1)]
    posts: list[Post] = list(_post_list(user).filter(pk__in=ids).order_by(*FEED_ORDERING))
    attach_engagement(posts, user)  # as feed_for_member; pages add the comment previews
    return posts


def build_timeline(redis, user) -> int:
    """Fill the member's timeline with the ids fan-out on write would have
    pushed: the newest TIMELINE_LENGTH posts of their home feed."""
    from feed.selectors import feed_for_member

    redis.delete(timeline_key(user.pk))
    cursor, added = None, 0
    while added < TIMELINE_LENGTH:
        page = feed_for_member(user, cursor=cursor, size=200)
        if page.items:
            redis.zadd(
                timeline_key(user.pk),
                {str(post.pk): post.created_at.timestamp() for post in page.items},
            )
            added += len(page.items)
        if not page.has_next:
            break
        cursor = page.next_cursor
    return added


def fanout_write_cost(redis, sizes: list[int], rounds: int) -> list[Row]:
    """One post pushed to N timelines (ZADD + trim to TIMELINE_LENGTH each),
    pipelined in one round trip, as a fan-out-on-write worker would."""
    rows = []
    for size in sizes:
        samples = []
        for round_no in range(rounds):
            start = time.perf_counter()
            pipe = redis.pipeline(transaction=False)
            for member in range(size):
                key = f"bench:timeline:w{member}"
                pipe.zadd(key, {str(10_000_000 + round_no): float(round_no)})
                pipe.zremrangebyrank(key, 0, -TIMELINE_LENGTH - 1)
            pipe.execute()
            samples.append((time.perf_counter() - start) * 1000)
        rows.append(Row(f"fan-out on write: one post to {size:,} timelines", samples))
        redis.delete(*[f"bench:timeline:w{member}" for member in range(size)])
    return rows


def measure(rounds: int, redis_url: str) -> dict:
    """The figures, as data (rows, query counts, the subject's shape)."""
    import redis as redis_lib
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import override_settings

    from feed.selectors import feed_for_member
    from groups.models import Group, Membership
    from profiles.models import Follow
    from tests.helpers import count_queries

    user = get_user_model().objects.get(username=SUBJECT)
    groups = Membership.objects.filter(user=user).count()
    follows = Follow.objects.filter(follower=user).count()
    first_page = feed_for_member(user)
    ids = [post.pk for post in first_page.items]
    redis = redis_lib.Redis.from_url(redis_url)
    timeline_size = build_timeline(redis, user)
    assert [p.pk for p in timeline_page(redis, user)] == ids, "both designs show the same page"

    client = Client()
    client.force_login(user)
    id_list = ",".join(map(str, ids))

    def get(url: str) -> Callable[[], None]:
        def request() -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return request

    def bare_sql() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, author_id, group_id, body_html, created_at FROM feed_post "
                "WHERE id = ANY(%s)",
                [ids],
            )
            cursor.fetchall()

    scenarios = {
        "raw: bare SQL for the same 20 ids": bare_sql,
        "raw: that SQL behind an empty Django view": get(f"/__bench/ids?ids={id_list}"),
        "selector: fan-out on read (feed_for_member)": lambda: feed_for_member(user),
        "selector: fan-out on write (Redis timeline)": lambda: timeline_page(redis, user),
        "page: / (HTML)": get("/"),
        "page: /api/v1/feed (JSON)": get("/api/v1/feed"),
    }
    with override_settings(ROOT_URLCONF="bench.urls", ALLOWED_HOSTS=["testserver"]):
        timings = timed_rounds(scenarios, rounds)
        # Counted after the rounds: per-process caches (content types) are warm.
        queries = {
            name: count_queries(run)[0]
            for name, run in scenarios.items()
            if not name.startswith("raw")
        }
    rows = [Row(name, samples, queries.get(name)) for name, samples in timings.items()]

    sizes = sorted(Group.objects.annotate(n=Count("memberships")).values_list("n", flat=True))
    largest = sizes[-1] if sizes else 0
    write_sizes = sorted({20, 200, 1000, largest} - {0})
    rows += fanout_write_cost(redis, write_sizes, max(5, rounds // 20))
    memory = redis.memory_usage(timeline_key(user.pk)) or 0
    redis.delete(timeline_key(user.pk))
    redis.close()
    return {
        "rows": rows,
        "groups": groups,
        "follows": follows,
        "timeline_size": timeline_size,
        "timeline_bytes": memory,
        "largest_group": largest,
    }


def report(rounds: int = 200, redis_url: str = "redis://127.0.0.1:6379/15") -> str:
    from django.contrib.auth import get_user_model

    from feed.models import Post

    if not get_user_model().objects.filter(username=SUBJECT).exists():
        return "### B3 home feed\n\nSkipped: no `bench.subject` (run `manage.py bench_org`).\n"
    data = measure(rounds, redis_url)
    rows: list[Row] = data["rows"]
    by_name = {row.name: row for row in rows}
    floor = by_name["raw: that SQL behind an empty Django view"].quantiles()
    lines = []
    for row in rows:
        p50, p95, p99 = row.quantiles()
        ratio = f"{p50 / floor[0]:.1f}x" if not row.name.startswith("fan-out on write") else "-"
        queries = "-" if row.queries is None else str(row.queries)
        lines.append(f"| {row.name} | {p50:.2f} | {p95:.2f} | {p99:.2f} | {ratio} | {queries} |")
    verdicts = []
    for name in ("page: / (HTML)", "page: /api/v1/feed (JSON)"):
        row = by_name[name]
        p50, p95, _ = row.quantiles()
        verdicts.append(
            f"- {name}: p95 {p95:.1f} ms "
            + ("meets" if p95 <= 25 else f"misses by {p95 - 25:.1f} ms")
            + f" the 25 ms target; {row.queries} queries "
            + ("(<= 10: met)" if row.queries <= 10 else "(target 10: missed)")
            + f"; {p50 / floor[0]:.1f}x the floor at p50 "
            + ("(<= 3x: met)." if p50 / floor[0] <= 3 else "(target 3x: missed).")
        )
    read = by_name["selector: fan-out on read (feed_for_member)"].quantiles()
    write = by_name["selector: fan-out on write (Redis timeline)"].quantiles()
    posts = Post.objects.count()
    kib = data["timeline_bytes"] / 1024
    return "\n".join(
        [
            "### B3 home feed",
            "",
            f"{posts:,} posts; `{SUBJECT}` is in {data['groups']} groups and follows "
            f"{data['follows']} people; first page of {PAGE}; {rounds} interleaved rounds in "
            "process through the full middleware stack (server time, no network). Ratios: "
            "p50 over the p50 of the bare SQL for the same ids behind an empty Django view.",
            "",
            "| scenario | p50 ms | p95 ms | p99 ms | p50 / floor | queries |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
            *lines,
            "",
            *verdicts,
            f"- Design: the Redis timeline read saves {read[0] - write[0]:.1f} ms at p50 "
            f"({read[0]:.1f} -> {write[0]:.1f} ms) but costs a write to every member of the "
            f"group per post (largest group: {data['largest_group']:,} members) and "
            f"{kib:.0f} KiB of Redis per member ({data['timeline_size']} ids).",
            "",
        ]
    )


if __name__ == "__main__":
    import argparse
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")
    import django

    django.setup()
    print(report(args.rounds, args.redis))
