"""B6 by layer: what each layer of a one-row JSON read costs under daphne.

One daphne on core 0, the generator on core 1 (as B6's per-core figure), the
same server settings as bench.throughput. For each layer: the daphne CPU per
request at a fixed rate every layer holds (CPU seconds of the daphne process /
requests answered, from /proc), then the open-loop ramp's best rate:

    raw ASGI app                     no Django (bench.raw_asgi)
    bare Django view, no middleware  Django's ASGI handler, URL resolution, the thread hop
    bare Django view, MIDDLEWARE     + the project's middleware
    GET /api/v1/me (token)           + django-ninja, token auth, rate limit, audit

Then a sampled CPU profile of /api/v1/me inside daphne (bench.profiled_asgi:
every thread's stack, charged with the CPU time that thread used).

    DATABASE_URL=postgres://... python -m bench.api_layers [--rate 40] [--seconds 10]
        [--no-ramp] [--profile-only]
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import throughput
from bench.floor import ROOT, daphne, free_port

DUMP_PATH = "/__bench/profile-dump"  # bench.profiled_asgi's

NO_MIDDLEWARE = """\
from bench_server_settings import *  # noqa: F403

MIDDLEWARE = []
"""


def fixed_rate(scenario, env, rate: float, seconds: float) -> throughput.Step:
    port = free_port()
    with daphne(scenario.app, port, cpu=0, env=env) as process:
        throughput.step([port], scenario, 10, 2, [process.pid])  # warm-up
        return throughput.step([port], scenario, rate, seconds, [process.pid])


def profile_in_daphne(scenario, env, rate: float, seconds: float, out: Path) -> dict:
    port = free_port()
    env = {**env, "BENCH_PROFILE_OUT": str(out), "BENCH_PROFILE_WARMUP": "100"}
    profiled = throughput.Scenario(
        scenario.name, "bench.profiled_asgi:app", scenario.path, scenario.headers
    )
    with daphne(profiled.app, port, cpu=0, env=env) as process:
        throughput.step([port], profiled, 25, 5, [process.pid])  # 100+ warm-up requests
        step = throughput.step([port], profiled, rate, seconds, [process.pid])
        time.sleep(1)  # the last answers leave the worker threads
        urllib.request.urlopen(f"http://127.0.0.1:{port}{DUMP_PATH}", timeout=30).read()
    profile = json.loads(out.read_text())
    profile["process_cpu_ms"] = step.server_cpu / max(step.achieved, 1e-9) * 1000
    return profile


def _short(frame: str) -> str:
    filename, line, name = frame.rsplit(":", 2)
    if "site-packages/" in filename:
        filename = filename.split("site-packages/", 1)[1]
    elif filename.startswith(str(ROOT)):
        filename = filename[len(str(ROOT)) + 1 :]
    return f"{filename}:{line} {name}"


def summarize(profile: dict, top: int) -> list[str]:
    """CPU ms per request by thread kind, then by function (inclusive: a
    function counts once per sample whose stack it is on), then by the package
    of the innermost Python frame (own time, the C calls it makes included)."""
    requests = max(profile["requests"], 1)
    by_kind: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    for kind, stack, cpu in profile["stacks"]:
        by_kind[kind] += cpu
        for frame in set(stack):
            inclusive[_short(frame)] += cpu
        own[throughput._package(stack[-1].rsplit(":", 2)[0]) if stack else "?"] += cpu
    total = sum(by_kind.values()) or 1e-9

    def ms(cpu: float) -> str:
        return f"{cpu * 1000 / requests:.3f}"

    lines = [
        f"{requests} requests; daphne process CPU {profile['process_cpu_ms']:.2f} ms per "
        f"request (/proc), sampled {ms(total)} ms: "
        + ", ".join(f"{kind} {ms(cpu)}" for kind, cpu in by_kind.most_common()),
        "",
        "| function (inclusive) | CPU ms/request | share |",
        "| --- | ---: | ---: |",
    ]
    lines += [
        f"| {name} | {ms(cpu)} | {cpu / total:.0%} |" for name, cpu in inclusive.most_common(top)
    ]
    lines += ["", "| own time by package | CPU ms/request | share |", "| --- | ---: | ---: |"]
    lines += [f"| {name} | {ms(cpu)} | {cpu / total:.0%} |" for name, cpu in own.most_common(12)]
    return lines


def report(
    rate: float, seconds: float, ramp_seconds: float, top: int, *, ramp: bool, layers_too: bool
) -> str:
    with tempfile.TemporaryDirectory(prefix="buzz-bench-layers-") as var_dir:
        settings = throughput.SETTINGS_MODULE + '\nROOT_URLCONF = "bench.urls"\n'
        Path(var_dir, "bench_server_settings.py").write_text(settings)
        Path(var_dir, "bench_nomw_settings.py").write_text(NO_MIDDLEWARE)
        Path(var_dir, "static").mkdir()
        env = throughput.server_env(var_dir)
        throughput.setup_django(env)
        bare_env = {**env, "DJANGO_SETTINGS_MODULE": "bench_nomw_settings"}
        proxy = {"X-Forwarded-Proto": "https"}
        lines = []
        with throughput.credentials() as (_username, secret, _cookie):
            token = {**proxy, "Authorization": f"Bearer {secret}"}
            bare = "/__bench/bare"
            Scenario = throughput.Scenario
            me = Scenario("GET /api/v1/me (token)", "asgi:application", "/api/v1/me", token)
            layers = [
                (Scenario("raw ASGI app", "bench.raw_asgi:app", "/", {}), env),
                (Scenario("bare view, no middleware", "asgi:application", bare, proxy), bare_env),
                (Scenario("bare view, MIDDLEWARE", "asgi:application", bare, proxy), env),
                (me, env),
            ]
            rows = []
            for scenario, layer_env in layers if layers_too else []:
                fixed = fixed_rate(scenario, layer_env, rate, seconds)
                cpu_ms = fixed.server_cpu / max(fixed.achieved, 1e-9) * 1000
                best = throughput.ramp(scenario, 1, layer_env, ramp_seconds).best if ramp else None
                rows.append(
                    f"| {scenario.name} | {cpu_ms:.2f} | {fixed.p50:.1f} | {fixed.p99:.1f} | "
                    f"{fixed.errors} | {best.rate if best else '-'} | "
                    f"{best.p50 if best else '-'} | {best.p99 if best else '-'} |"
                )
                print(rows[-1], file=sys.stderr)
            if rows:
                lines += [
                    f"Daphne CPU per request at {rate:g} req/s for {seconds:g} s (a lower bound: "
                    "the generator's start-up is in the wall time), then the ramp's best rate "
                    "(p99 < 100 ms, no errors):",
                    "",
                    "| layer | CPU ms/request | p50 ms | p99 ms | errors | best req/s | "
                    "p50 at best | p99 at best |",
                    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
                    *rows,
                    "",
                ]
            profile = profile_in_daphne(me, env, rate, seconds, Path(var_dir, "me.json"))
        lines += [
            "Sampled CPU profile of /api/v1/me inside daphne (bench.profiled_asgi):",
            "",
            *summarize(profile, top),
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=40.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--ramp-seconds", type=float, default=4.0)
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--no-ramp", action="store_true")
    parser.add_argument("--profile-only", action="store_true")
    args = parser.parse_args()
    print(
        report(
            args.rate,
            args.seconds,
            args.ramp_seconds,
            args.top,
            ramp=not args.no_ramp,
            layers_too=not args.profile_only,
        )
    )
