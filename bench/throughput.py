"""B6 throughput: the highest open-loop rate each endpoint holds with p99 < 100 ms.

The rate ramps in steps (bench.loadgen, a fresh generator process per step) and
stops after the first step whose p99 reaches 100 ms or that has any error or
timeout, for: (a) the raw ASGI app (the baseline), (b) `GET /api/v1/me` with a
personal access token (a one-row JSON read), (c) the feed page `/` with a
session cookie, (d) `GET /api/v1/feed` with the token. Two layouts:
one daphne on core 0 with the generator on core 1 (the per-core figure), and two
daphne workers on cores 0 and 1 with the generator round-robin over both ports,
unpinned (it shares their cores).

The Django server runs with DEBUG=false behind a pretend TLS proxy
(X-Forwarded-Proto: https), the API rate limit raised
(BUZZ_RATE_API_PER_MINUTE) so the limiter is counted but never refuses,
the default psycopg connection pool (connection_probe compares it with the old
CONN_MAX_AGE=60 setting, which left a connection per request open under daphne),
and plain static URLs instead of the manifest
storage (its collectstatic takes over a minute and renders no faster). Then a
cProfile of (b) in process.

    DATABASE_URL=postgres://... python -m bench.throughput [--step-seconds 4]

`--me-ab ROUNDS` runs only (b) on one core, the token path before the token
cache (issue 11) against the current one, alternating, and prints daphne's CPU
per request at 40 req/s and each ramp's best rate (docs/benchmarks.md untouched).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.floor import ROOT, daphne, free_port, pinning_possible, proc_cpu_seconds

RATES = (25, 50, 75, 100, 150, 200, 300, 400, 600, 800, 1000, 1400, 2000, 2800, 4000)
P99_LIMIT = 100.0
TARGET_PER_CORE = 1000  # req/s for (b), the one-row JSON read
BENCH_USER = "bench.subject"

SETTINGS_MODULE = """\
from community.settings import *  # noqa: F403

# The manifest storage needs collectstatic (over a minute): plain URLs cost the same.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
"""


@dataclass
class Step:
    rate: float
    achieved: float
    ok: int
    p50: float
    p95: float
    p99: float
    errors: int
    timeouts: int
    loadgen_cpu: float
    server_cpu: float  # share of one core per daphne process, averaged
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.errors == 0 and self.timeouts == 0 and self.p99 < P99_LIMIT


@dataclass
class Scenario:
    name: str
    app: str  # the ASGI app daphne serves
    path: str
    headers: dict[str, str]


@dataclass
class Ramp:
    scenario: Scenario
    steps: list[Step]
    sessions_per_request: float | None = None  # new PostgreSQL sessions, in the warm-up

    @property
    def best(self) -> Step | None:
        passed = [step for step in self.steps if step.passed]
        return passed[-1] if passed else None

    @property
    def best_rate(self) -> float:
        return self.best.rate if self.best else 0.0


def server_env(var_dir: str) -> dict[str, str]:
    """The environment of the benchmark's daphne (and of this process's Django)."""
    return {
        "DJANGO_SETTINGS_MODULE": "bench_server_settings",
        "PYTHONPATH": os.pathsep.join([var_dir, str(ROOT)]),
        "BUZZ_VAR_DIR": var_dir,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
        "BUZZ_RATE_API_PER_MINUTE": "100000000",
        "LOG_LEVEL": "WARNING",
    }


def step(ports: list[int], scenario: Scenario, rate: float, seconds: float, pids: list[int]):
    """One rate for `seconds`, the generator in its own process (pinned to core 1
    when there is a single server on core 0)."""
    command = [sys.executable, "-m", "bench.loadgen", "--json", "--ports"]
    command += [",".join(map(str, ports)), "--path", scenario.path]
    command += ["--rates", str(rate), "--duration", str(seconds)]
    for name, value in scenario.headers.items():
        command += ["-H", f"{name}: {value}"]
    if len(ports) == 1 and pinning_possible():
        command += ["--cpus", "1"]
    before = [proc_cpu_seconds(pid) for pid in pids]
    started = time.perf_counter()
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    wall = time.perf_counter() - started
    used = [proc_cpu_seconds(pid) - start for pid, start in zip(pids, before, strict=True)] or [0]
    (result,) = json.loads(out)
    return Step(
        rate=rate,
        achieved=result["achieved"],
        ok=result["ok"],
        p50=result["p50"],
        p95=result["p95"],
        p99=result["p99"],
        errors=result["errors"],
        timeouts=result["timeouts"],
        loadgen_cpu=result["loadgen_cpu"],
        # Over the generator process's whole life (start-up included): a lower bound.
        server_cpu=sum(used) / len(used) / wall,
        statuses=result["statuses"],
    )


def ramp(
    scenario: Scenario, workers: int, env: dict[str, str], seconds: float, database: str = ""
) -> Ramp:
    ports = [free_port() for _ in range(workers)]
    logs = [Path(env["BUZZ_VAR_DIR"], f"daphne-{port}.log") for port in ports]
    with contextlib.ExitStack() as stack:
        processes = [
            stack.enter_context(daphne(scenario.app, port, cpu=index % 2, env=env, log_path=log))
            for index, (port, log) in enumerate(zip(ports, logs, strict=True))
        ]
        pids = [process.pid for process in processes]
        step(ports, scenario, 10, 1, pids)  # imports, caches, first-visit writes
        opened = postgres_sessions(database) if database else 0
        warm = step(ports, scenario, 10, 2, pids)  # slow enough that every request is served
        if warm.errors:
            raise RuntimeError(f"{scenario.name}: warm-up failed: {warm}")
        per_request = (postgres_sessions(database) - opened) / max(1, warm.ok) if database else None
        steps = []
        for rate in RATES:
            steps.append(step(ports, scenario, rate, seconds, pids))
            if not steps[-1].passed:
                break
    lines = [line for log in logs for line in log.read_text().splitlines()]
    errors = [line for line in lines if "Error:" in line]
    if errors:  # the reason for any 500, for whoever reads the run's output
        print(f"{scenario.name}: {len(errors)} errors, last: {errors[-1]}", file=sys.stderr)
    return Ramp(scenario, steps, sessions_per_request=per_request)


def connection_probe(env: dict[str, str], path: str, headers: dict[str, str]) -> str:
    """New PostgreSQL sessions per request and connections left open after 60
    requests at 20 req/s (named by application_name), with the pool (the
    default) and without it (CONN_MAX_AGE=60, the setting before the pool).
    Kept small: each connection counts against max_connections."""
    database = database_name(env)
    url = env["DATABASE_URL"] + ("&" if "?" in env["DATABASE_URL"] else "?")
    probe = Scenario("probe", "asgi:application", path, headers)
    figures = {}
    for label, extra in {
        "pool": {},
        "no pool, CONN_MAX_AGE=60": {"DATABASE_POOL_MAX_SIZE": "0", "DATABASE_CONN_MAX_AGE": "60"},
    }.items():
        name = f"buzz-bench-probe-{len(figures)}"
        port = free_port()
        server_env_ = {**env, **extra, "DATABASE_URL": f"{url}application_name={name}"}
        with daphne("asgi:application", port, env=server_env_):
            step([port], probe, 20, 1, [])
            opened = postgres_sessions(database)
            result = step([port], probe, 20, 3, [])
            per_request = (postgres_sessions(database) - opened) / max(1, result.ok)
            figures[label] = (per_request, backends(name), result.ok)
    return (
        f"Connections under daphne (GET {path}, which reads the database): "
        + "; ".join(
            f"{label}: {per_request:.2f} new PostgreSQL sessions per request, {still_open} open "
            f"after {ok} requests at 20 req/s"
            for label, (per_request, still_open, ok) in figures.items()
        )
        + (
            " (without the pool every request runs on a new thread, so a kept connection is "
            "never reused, only left open)."
        )
    )


# --- Django: the bench member's credentials and the profile ---------------------------------


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, env["BUZZ_VAR_DIR"])
    import django

    django.setup()


@contextlib.contextmanager
def credentials() -> Iterator[tuple[str, str, str]]:
    """A read token and a session cookie for the bench member (bench.subject in
    the generated organisation, else the demo member); both removed after."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from community.seeding import DEMO_MEMBER
    from profiles import services
    from profiles.models import AccessToken, TokenScope, User

    user = (
        User.objects.filter(username=BENCH_USER).first()
        or User.objects.filter(username=DEMO_MEMBER[0]).first()
    )
    if user is None:
        raise RuntimeError(f"no {BENCH_USER} or {DEMO_MEMBER[0]} member: seed the database first")
    token, secret = services.token_create(
        actor=user, name="bench throughput", scope=TokenScope.READ
    )
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    try:
        yield user.username, secret, f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
    finally:
        session.delete()
        AccessToken.objects.filter(pk=token.pk).delete()


def profile_me(secret: str, requests: int = 300) -> tuple[pstats.Stats, int, float]:
    """cProfile of `GET /api/v1/me` through django.test.Client, with a new database
    connection per request as under daphne: the stats, the queries per request and
    the mean ms per request under the profiler."""
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {secret}")

    def get() -> None:
        response = client.get("/api/v1/me", secure=True)
        assert response.status_code == 200, response.status_code
        # The test client keeps the connection; under daphne every request opens its own.
        connection.close()

    for _ in range(20):
        get()
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    # An execute wrapper survives the reconnect each request makes.
    with connection.execute_wrapper(count):
        get()
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for _ in range(requests):
        get()
    profiler.disable()
    mean_ms = (time.perf_counter() - start) * 1000 / requests
    return pstats.Stats(profiler, stream=io.StringIO()), len(queries), mean_ms


#: Costs worth naming on their own: (label, file suffix, function), cumulative time.
NOTABLE = (
    ("opening a PostgreSQL connection (Django connect)", "db/backends/base/base.py", "connect"),
    ("a new redis.Redis client per cache call (Redis.__init__)", "redis/client.py", "__init__"),
    ("resolving the token (TokenAuth.resolve), all of it", "community/api_base.py", "resolve"),
    (
        "the token lookup in the database (access_token_for_secret: cache misses only)",
        "profiles/selectors.py",
        "access_token_for_secret",
    ),
    (
        "cached token + rate limit + audit and last-used marks, one Redis round trip",
        "community/ratelimit.py",
        "check_api_token_cached",
    ),
    (
        "audit_token_used (a database write once an hour)",
        "community/services.py",
        "audit_token_used",
    ),
    ("rendering the JSON response (ninja)", "ninja/operation.py", "_result_to_response"),
)


def _package(filename: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    if filename.startswith(str(ROOT)):
        return "buzz: " + filename[len(str(ROOT)) + 1 :].split("/", 1)[0]
    if filename.startswith(("~", "<")):
        return "C built-ins (socket I/O, dicts, str)"
    return "Python standard library"


def top_costs(stats: pstats.Stats, requests: int) -> list[str]:
    """Table rows: own time by package, then the notable cumulative costs, each
    as ms per request and share of the total."""
    total = stats.total_tt
    by_package: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():
        by_package[_package(filename)] = by_package.get(_package(filename), 0.0) + own
    rows = [
        f"| own time in {name} | {seconds * 1000 / requests:.2f} | {seconds / total:.0%} |"
        for name, seconds in sorted(by_package.items(), key=lambda item: -item[1])[:8]
    ]
    for label, suffix, function in NOTABLE:
        cumulative = max(
            (
                cum
                for (filename, _line, name), (_cc, _nc, _own, cum, _c) in stats.stats.items()
                if filename.endswith(suffix) and name == function
            ),
            default=0.0,
        )
        rows.append(f"| {label} | {cumulative * 1000 / requests:.2f} | {cumulative / total:.0%} |")
    return rows


def database_name(env: dict[str, str]) -> str:
    from urllib.parse import urlsplit

    return urlsplit(env["DATABASE_URL"]).path.strip("/")


def backends(application_name: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
            [application_name],
        )
        return int(cursor.fetchone()[0])


def postgres_sessions(database: str) -> int:
    """Sessions ever opened on the database (PostgreSQL 14+): shows whether
    daphne's Django reuses its connections."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = %s", [database])
        return int(cursor.fetchone()[0])


# --- the report ------------------------------------------------------------------------------


def _row(layout: str, cores: int, ramp_: Ramp, raw: Ramp) -> str:
    best = ramp_.best
    last = ramp_.steps[-1]
    stop = f"{last.rate:.0f}: p99 {last.p99:.0f} ms" + (
        f", {last.errors} errors {last.statuses or ''}, {last.timeouts} timeouts"
        if not last.passed and (last.errors or last.timeouts)
        else ""
    )
    if last.passed:
        stop = "never (top of the ramp)"
    if best is None:
        return (
            f"| {ramp_.scenario.name} | {layout} | 0 | 0 | - | - | - | 0.00x | "
            f"{last.server_cpu:.0%} | {last.loadgen_cpu:.0%} | {stop} |"
        )
    ratio = best.rate / raw.best_rate if raw.best_rate else 0
    return (
        f"| {ramp_.scenario.name} | {layout} | {best.rate:.0f} | {best.rate / cores:.0f} | "
        f"{best.p50:.1f} | {best.p95:.1f} | {best.p99:.1f} | {ratio:.2f}x | "
        f"{best.server_cpu:.0%} / {last.server_cpu:.0%} | {last.loadgen_cpu:.0%} | {stop} |"
    )


def report(step_seconds: float = 4.0, profile_requests: int = 300) -> str:
    from django.conf import settings

    if settings.configured:
        # Django is set up already (python -m bench): the session cookie must be
        # signed with the benchmark server's settings, so measure in a fresh process.
        command = [sys.executable, "-m", "bench.throughput", "--step-seconds", str(step_seconds)]
        command += ["--profile-requests", str(profile_requests)]
        return subprocess.run(
            command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True
        ).stdout
    with tempfile.TemporaryDirectory(prefix="buzz-bench-b6-") as var_dir:
        Path(var_dir, "bench_server_settings.py").write_text(SETTINGS_MODULE)
        Path(var_dir, "static").mkdir()  # WhiteNoise warns without one
        env = server_env(var_dir)
        if not env["DATABASE_URL"].startswith("postgres"):
            return "### B6 throughput\n\nSkipped: DATABASE_URL is not PostgreSQL.\n"
        setup_django(env)
        database = database_name(env)
        proxy = {"X-Forwarded-Proto": "https"}
        with credentials() as (username, secret, cookie):
            token = {**proxy, "Authorization": f"Bearer {secret}"}
            scenarios = [
                Scenario("(a) raw ASGI JSON", "bench.raw_asgi:app", "/", {}),
                Scenario("(b) GET /api/v1/me (token)", "asgi:application", "/api/v1/me", token),
                Scenario(
                    "(c) feed page / (session)",
                    "asgi:application",
                    "/",
                    {**proxy, "Cookie": cookie},
                ),
                Scenario("(d) GET /api/v1/feed (token)", "asgi:application", "/api/v1/feed", token),
            ]
            results: dict[int, list[Ramp]] = {}
            sessions: dict[str, float] = {}
            for workers in (1, 2):
                results[workers] = []
                for scenario in scenarios:
                    ramp_ = ramp(scenario, workers, env, step_seconds, database)
                    results[workers].append(ramp_)
                    if workers == 1 and "asgi:" in scenario.app:
                        sessions[scenario.name] = ramp_.sessions_per_request or 0.0
                    progress = f"{workers} worker(s), {scenario.name}: {ramp_.steps}"
                    print(f"B6 {time.strftime('%X')} {progress}", file=sys.stderr)
            # Not /api/v1/me: a cached token reads no database at all.
            probe = connection_probe(env, "/api/v1/feed", token)
            stats, queries, mean_ms = profile_me(secret, profile_requests)
    profile = top_costs(stats, profile_requests)
    return _format(results, username, sessions, probe, profile, queries, mean_ms, step_seconds)


def _format(results, username, sessions, probe, profile, queries, mean_ms, step_seconds) -> str:
    one, two = results[1], results[2]
    rows = [_row("1 daphne, core 0", 1, ramp_, one[0]) for ramp_ in one]
    rows += [_row("2 daphne, cores 0+1", 2, ramp_, two[0]) for ramp_ in two]
    me = one[1].best_rate
    verdict = (
        f"met ({me:.0f} req/s on one core)"
        if me >= TARGET_PER_CORE
        else f"missed by {TARGET_PER_CORE - me:.0f} req/s ({me:.0f} req/s on one core, "
        f"{me / TARGET_PER_CORE:.0%} of the target)"
    )
    pinned = (
        "generator on core 1 (`taskset`)" if pinning_possible() else "nothing pinned (one core)"
    )
    conn = ", ".join(f"{name.split(' ', 1)[0]} {per:.2f}" for name, per in sessions.items())
    return "\n".join(
        [
            "### B6 throughput",
            "",
            f"Open-loop ramp ({', '.join(map(str, RATES))} req/s, {step_seconds:g} s a step, "
            f"stop at the first step with p99 >= {P99_LIMIT:.0f} ms or any error) as `{username}`. "
            f"One daphne on core 0, {pinned}; two daphne on cores 0 and 1 with the generator "
            "round-robin over both, unpinned (it shares their cores, so per core is understated). "
            "DEBUG=false, X-Forwarded-Proto: https, API rate limit raised through "
            "BUZZ_RATE_API_PER_MINUTE (still counted in Redis on every request), "
            "StaticFilesStorage instead of the manifest storage (`python -m bench.throughput`).",
            f"{probe} New PostgreSQL sessions per request (at 10 req/s): {conn}.",
            "",
            "| endpoint | layout | best req/s (p99 < 100 ms, 0 errors) | per core | p50 ms | "
            "p95 ms | p99 ms | rate / raw ASGI | daphne CPU at best / at stop | "
            "generator CPU at stop | stopped at |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
            *rows,
            "",
            f"Target >= {TARGET_PER_CORE} req/s per core for the one-row JSON read (b): {verdict}.",
            "",
            f"Profile of (b) in process (django.test.Client, cProfile): {queries} queries "
            f"per request, {mean_ms:.2f} ms per request under the profiler (which slows "
            "Python code more than I/O); where the time goes:",
            "",
            "| cost | ms per request | share |",
            "| --- | ---: | ---: |",
            *profile,
            "",
        ]
    )


# --- A/B of (b) alone: the token path before the token cache and now -------------------------


def _resolve_before_token_cache(self, secret: str):
    """TokenAuth.resolve as it was before the token cache (issue 11): the
    four-table query on every request, then the rate limit's round trip."""
    from community import ratelimit
    from community.services import TOKEN_USED_EVERY
    from profiles import selectors, services

    access = selectors.access_token_for_secret(secret)
    if access is None:
        return None, None
    first_use = ratelimit.check_api_token(
        access.pk,
        mark=f"audit:token-used:{access.pk}:{access.secret_hash[:16]}",
        mark_timeout=TOKEN_USED_EVERY,
    )
    services.token_mark_used(token=access)
    return access, first_use


def __getattr__(name: str):
    # `bench.throughput:before_token_cache`, an ASGI app for daphne: the project's,
    # with the old token path, built when daphne asks for it (after Django's setup).
    if name == "before_token_cache":
        from asgi import application
        from community.api_base import TokenAuth

        TokenAuth.resolve = _resolve_before_token_cache
        return application
    raise AttributeError(name)


AB_PAIRS = {
    "token-cache": {
        "A before token cache": "bench.throughput:before_token_cache",
        "B current": "asgi:application",
    },
}


def me_ab(step_seconds: float, rounds: int, pair: str = "token-cache") -> str:
    """Only (b), one daphne on core 0: two servers (AB_PAIRS: the token path
    before the cache and now), alternating `rounds` times in this run (the
    machine is shared)."""
    with tempfile.TemporaryDirectory(prefix="buzz-bench-b6-") as var_dir:
        Path(var_dir, "bench_server_settings.py").write_text(SETTINGS_MODULE)
        Path(var_dir, "static").mkdir()
        env = server_env(var_dir)
        if not env["DATABASE_URL"].startswith("postgres"):
            return "Skipped: DATABASE_URL is not PostgreSQL."
        setup_django(env)
        lines = []
        with credentials() as (_username, secret, _cookie):
            headers = {"X-Forwarded-Proto": "https", "Authorization": f"Bearer {secret}"}
            apps = AB_PAIRS[pair]
            from bench.api_layers import fixed_rate

            for round_ in range(rounds):
                for label, app in apps.items():
                    scenario = Scenario(label, app, "/api/v1/me", headers)
                    # CPU per request at a rate both hold: steadier than the ramp's
                    # p99 when other processes share the daphne's core.
                    fixed = fixed_rate(scenario, env, 40, 8)
                    cpu_ms = fixed.server_cpu / max(fixed.achieved, 1e-9) * 1000
                    lines.append(
                        f"round {round_ + 1} {label}: daphne CPU {cpu_ms:.2f} ms per request "
                        f"at 40 req/s (p50 {fixed.p50:.1f} ms, {fixed.errors} errors)"
                    )
                    print(lines[-1], file=sys.stderr)
                    ramp_ = ramp(scenario, 1, env, step_seconds)
                    best = ramp_.best
                    last = ramp_.steps[-1]
                    lines.append(
                        f"round {round_ + 1} {label}: best {ramp_.best_rate:.0f} req/s"
                        + (
                            f" (p50 {best.p50:.1f} ms, p99 {best.p99:.1f} ms, "
                            f"daphne CPU {best.server_cpu:.0%})"
                            if best
                            else ""
                        )
                        + f"; stopped at {last.rate:.0f} (p99 {last.p99:.0f} ms, "
                        f"{last.errors} errors, {last.timeouts} timeouts)"
                    )
                    print(lines[-1], file=sys.stderr)
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step-seconds", type=float, default=4.0)
    parser.add_argument("--profile-requests", type=int, default=300)
    parser.add_argument(
        "--me-ab",
        type=int,
        metavar="ROUNDS",
        default=0,
        help="only (b) on one core: the token path before the cache and now, ROUNDS times",
    )
    parser.add_argument("--ab-pair", choices=sorted(AB_PAIRS), default="token-cache")
    args = parser.parse_args()
    if args.me_ab:
        print(me_ab(args.step_seconds, args.me_ab, args.ab_pair))
    else:
        print(report(args.step_seconds, args.profile_requests))
