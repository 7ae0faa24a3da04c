"""`make bench`: page latency of the main pages against raw baselines, in one run.

Builds a demo organisation in a throwaway SQLite database (or uses DATABASE_URL),
then requests every scenario in interleaved rounds through Django's full stack
(in process, no network) and reports p50/p95/p99 and the ratio of each p50 to the
bare-view baseline measured in the same rounds. Results are appended to
docs/benchmarks.md with date, machine and git revision.

    python -m bench [--people 2000] [--rounds 200]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--rollup-events", type=int, default=1_000_000, help="B7 size (PostgreSQL only)"
    )
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="buzz-bench-")
    if not os.environ.get("DATABASE_URL"):
        os.environ["BUZZ_VAR_DIR"] = workdir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")
    os.environ["DEBUG"] = "true"
    sys.path.insert(0, str(ROOT))

    from community.startup import load_settings_or_exit

    load_settings_or_exit()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import override_settings

    from community.seeding import DEMO_MEMBER
    from profiles.models import User

    print(f"database: {connection.vendor}; migrating...", file=sys.stderr)
    call_command("migrate", verbosity=0)
    if not User.objects.exists():
        call_command("seed_demo", people=args.people, seed=1, verbosity=1)
    people = User.objects.count()

    client = Client()
    client.force_login(User.objects.get(username=DEMO_MEMBER[0]))

    def select_one() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    def get(url: str):
        def request() -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return request

    from feed.models import Post
    from groups.models import Visibility

    busiest = (
        Post.objects.filter(group__visibility=Visibility.OPEN, deleted_at__isnull=True)
        .annotate(n=Count("comments"))
        .order_by("-n", "pk")
        .select_related("group")
        .first()
    )
    scenarios = {
        "raw: SELECT 1": select_one,
        "raw: bare Django view": get("/__bench/bare"),
        "feed (/)": get("/"),
        "groups directory": get("/groups/"),
        "people directory": get("/people/"),
        "hub (/hub/)": get("/hub/"),
        "group page": get(f"/groups/{busiest.group.slug}/"),
        f"post page ({busiest.n} comments)": get(f"/posts/{busiest.pk}/"),
        "hashtag page": get("/tags/python/"),
        "healthz": get("/healthz"),
        **_search_scenarios(get),
    }
    timings: dict[str, list[float]] = {name: [] for name in scenarios}
    with override_settings(ROOT_URLCONF="bench.urls", ALLOWED_HOSTS=["testserver"]):
        for run in scenarios.values():  # warm caches and connections
            run()
        names = list(scenarios)
        for round_no in range(args.rounds):
            # Interleave, rotating the order, so drift hits every scenario alike.
            shift = round_no % len(names)
            for name in names[shift:] + names[:shift]:
                start = time.perf_counter()
                scenarios[name]()
                timings[name].append((time.perf_counter() - start) * 1000)

    baseline = statistics.median(timings["raw: bare Django view"])
    rows = []
    for name, samples in timings.items():
        q = statistics.quantiles(samples, n=100, method="inclusive")
        p50 = statistics.median(samples)
        rows.append(f"| {name} | {p50:.2f} | {q[94]:.2f} | {q[98]:.2f} | {p50 / baseline:.1f}x |")
    revision = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    now = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    report = "\n".join(
        [
            f"## Page latency, {now} UTC, git {revision}",
            "",
            f"Machine: {os.cpu_count()} cores, {cpu}; Python {platform.python_version()}; "
            f"database {connection.vendor}; {people} people; {args.rounds} interleaved rounds; "
            f"in-process requests through the full middleware stack (`python -m bench`).",
            "Ratios are each p50 over the bare Django view's p50 from the same rounds.",
            "",
            "| scenario | p50 ms | p95 ms | p99 ms | p50 / bare view |",
            "| --- | ---: | ---: | ---: | ---: |",
            *rows,
            "",
        ]
    )
    fanout = _fanout_report(args.rounds)
    if fanout:
        report += "\n" + fanout
    from bench.rollup import report as rollup_report

    rollup = rollup_report(args.rollup_events)  # empty unless on PostgreSQL
    if rollup:
        report += "\n" + rollup
    print(report)
    if not args.no_write and settings.DEBUG:
        path = ROOT / "docs" / "benchmarks.md"
        if not path.exists():
            path.write_text(
                "# Benchmarks\n\nAppended by `make bench` (`python -m bench`); newest last.\n"
                "Every figure is measured against raw baselines taken in the same run.\n\n"
            )
        with path.open("a") as out:
            out.write(report + "\n")
        print(f"appended to {path.relative_to(ROOT)}", file=sys.stderr)


def _search_scenarios(get) -> dict:
    """B4 expert search: prefix typeahead, misspelt names and multi-skill
    queries through Django, against the bare full-text query of the backend."""
    import itertools
    import random
    from urllib.parse import quote

    from django.contrib.contenttypes.models import ContentType
    from taggit.models import TaggedItem

    from profiles.models import Profile
    from search.backends import get_search_backend

    rng = random.Random(7)
    tags = sorted(
        set(
            TaggedItem.objects.filter(
                content_type=ContentType.objects.get_for_model(Profile)
            ).values_list("tag__name", flat=True)
        )
    )
    names = list(Profile.objects.values_list("display_name", flat=True)[:500])
    if not tags or not names:
        return {}

    def misspelt(name: str) -> str:
        word = max(name.split(), key=len)
        cut = rng.randrange(1, len(word) - 1) if len(word) > 3 else 1
        return word[:cut] + word[cut + 1 :]

    prefixes = itertools.cycle(sorted({tag[:3].lower() for tag in tags} | {n[:3] for n in names}))
    fuzzy = itertools.cycle([misspelt(name) for name in rng.sample(names, min(100, len(names)))])
    skills = itertools.cycle(
        [" ".join(rng.sample(tags, 2)) for _ in range(100)] if len(tags) > 1 else tags
    )
    backend = get_search_backend()

    def rotating(path: str, queries):
        def request() -> None:
            get(f"{path}{quote(next(queries))}")()

        return request

    def bare_match() -> None:
        backend.people_matches(next(fuzzy), limit=20)

    return {
        "raw: bare people text match (backend)": bare_match,
        "search: typeahead /search/suggest": rotating("/search/suggest?q=", prefixes),
        "search: misspelt name": rotating("/search/?q=", fuzzy),
        "search: multi-skill experts": rotating("/search/?q=", skills),
    }


def _fanout_report(rounds: int) -> str:
    """The live fan-out benchmark, when a Redis answers (REDIS_URL or the local one)."""
    import socket
    from urllib.parse import urlsplit

    from bench.fanout import report as fanout_report

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port or 6379), timeout=1).close()
    except OSError:
        print(f"no Redis at {url}: fan-out benchmark skipped", file=sys.stderr)
        return ""
    return fanout_report(url, max(10, rounds // 10))


if __name__ == "__main__":
    main()
