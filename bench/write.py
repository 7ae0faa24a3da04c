"""B5 write path: a post with a mention and hashtags, everything included.

Everything a post costs is inside the timing: the Markdown rendering and
sanitising, the post row, hashtags (taggit), the mention row and notification,
expertise evidence, the participation event, the search outbox, the stored
live event and its publish through the channel layer on commit (Redis when
REDIS_URL is set), the webhook deliveries and the rate-limit counter (page).

Baselines in the same rounds: the bare INSERT of one post row (autocommit),
and that INSERT behind an empty Django view. Authors rotate over the members
of one group so no rate limit is reached; the posts made are deleted at the end
so a rerun sees the same organisation.

    python -m bench.write [--rounds 200]
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from bench.feed import Row, timed_rounds

AUTHORS_GROUP = "bench-live-200"
TARGET_P95_MS = 40


def measure(rounds: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    from feed import services
    from feed.models import Post
    from groups.models import Group, Membership
    from tests.helpers import count_queries

    group = Group.objects.get(slug=AUTHORS_GROUP)
    members = list(
        get_user_model()
        .objects.filter(pk__in=Membership.objects.filter(group=group).values("user_id"))
        .order_by("pk")
    )
    authors = itertools.cycle(members)
    mentioned = itertools.cycle(reversed(members))
    clients: dict[int, Client] = {}
    created_before = Post.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    started = timezone.now()
    counter = itertools.count()

    def body() -> str:
        n = next(counter)
        return (
            f"Release notes {n} are out, thanks @{next(mentioned).username}! "
            "Questions welcome. #release #python #quality"
        )

    def bare_insert() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO feed_post (author_id, group_id, body, body_html, is_announcement, "
                "is_question, created_at) VALUES (%s, %s, %s, %s, false, false, %s) RETURNING id",
                [members[0].pk, group.pk, "bare", "<p>bare</p>", timezone.now()],
            )
            cursor.fetchone()

    def service() -> None:
        services.post_publish(actor=next(authors), body=body(), group=group)

    def page() -> None:
        author = next(authors)
        client = clients.get(author.pk)
        if client is None:
            client = clients[author.pk] = Client()
            client.force_login(author)
        response = client.post("/posts/new/", {"body": body(), "group": group.slug})
        assert response.status_code == 302, response.status_code

    def bare_view() -> None:
        response = clients[members[0].pk].post("/__bench/insert", {"group": group.pk})
        assert response.status_code == 200, response.status_code

    clients[members[0].pk] = Client()
    clients[members[0].pk].force_login(members[0])
    scenarios: dict[str, Callable[[], None]] = {
        "raw: bare INSERT of one post (autocommit)": bare_insert,
        "raw: that INSERT behind an empty Django view": bare_view,
        "service: feed.services.post_publish": service,
        "page: POST /posts/new/ (form, redirect)": page,
    }
    with override_settings(ROOT_URLCONF="bench.urls", ALLOWED_HOSTS=["testserver"]):
        timings = timed_rounds(scenarios, rounds)
        # Counted after the rounds: per-process caches (content types) are warm.
        queries = {
            name: count_queries(run)[0]
            for name, run in scenarios.items()
            if not name.startswith("raw")
        }
    # Leave the organisation as it was: the posts and what they queued.
    from bench.live import delete_made

    made = list(Post.objects.filter(pk__gt=created_before).values_list("pk", flat=True))
    delete_made(made, [], started)
    return {
        "rows": [Row(name, samples, queries.get(name)) for name, samples in timings.items()],
        "group_size": len(members),
    }


def report(rounds: int = 200) -> str:
    from groups.models import Group

    if not Group.objects.filter(slug=AUTHORS_GROUP).exists():
        return (
            f"### B5 write path\n\nSkipped: no group `{AUTHORS_GROUP}` "
            "(run `manage.py bench_org`).\n"
        )
    from django.conf import settings

    data = measure(rounds)
    rows: list[Row] = data["rows"]
    floor = rows[1].quantiles()[0]
    tasks = settings.TASKS["default"]["BACKEND"].rsplit(".", 1)[-1]
    lines, verdicts = [], []
    for row in rows:
        p50, p95, p99 = row.quantiles()
        queries = "-" if row.queries is None else str(row.queries)
        lines.append(
            f"| {row.name} | {p50:.2f} | {p95:.2f} | {p99:.2f} | {p50 / floor:.1f}x | {queries} |"
        )
        if not row.name.startswith("raw"):
            verdicts.append(
                f"- {row.name}: p95 {p95:.1f} ms "
                + ("meets" if p95 <= TARGET_P95_MS else f"misses by {p95 - TARGET_P95_MS:.1f} ms")
                + f" the {TARGET_P95_MS} ms target."
            )
    return "\n".join(
        [
            "### B5 write path",
            "",
            f"A post with one @mention and three #hashtags in an open group of "
            f"{data['group_size']} members, authors rotating; {rounds} interleaved rounds in "
            "process (server time), the live event published on commit through the configured "
            f"channel layer, background tasks queued in the database ({tasks}, as in "
            "docker-compose.yml). Ratios: p50 over the bare INSERT behind an empty Django view.",
            "",
            "| scenario | p50 ms | p95 ms | p99 ms | p50 / floor | queries |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
            *lines,
            "",
            *verdicts,
            "",
        ]
    )


if __name__ == "__main__":
    import argparse
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")
    import django

    django.setup()
    print(report(args.rounds))
