"""B1 physical floor: what Redis, PostgreSQL and daphne give with no Buzz code.

Every other benchmark's ratio is against these figures, measured in the same run:
`redis-benchmark` (PING, SET, PUBLISH), a PUBLISH -> SUBSCRIBE round trip,
`pgbench -S -M prepared` (one client), a websocket echo and a plain HTTP request
against a raw ASGI app (bench/raw_asgi.py) under daphne. On two or more cores
daphne runs on core 0 and every client (this process and the tools it starts) on
core 1; the shared Redis and PostgreSQL servers are not pinned.

    python -m bench.floor [--redis redis://127.0.0.1:6379/13] [--pgbench-db buzz_pgbench]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DAPHNE = str(Path(sys.executable).parent / "daphne")

#: Core layout on two or more cores: servers on SERVER_CPU, clients on CLIENT_CPU.
SERVER_CPU, CLIENT_CPU = 0, 1
Stats = dict[str, float]


def summary(samples: list[float], **extra: float) -> Stats:
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": statistics.median(samples), "p95": q[94], "p99": q[98], **extra}


def pinning_possible() -> bool:
    return len(os.sched_getaffinity(0)) >= 2


@contextlib.contextmanager
def pinned(cpu: int) -> Iterator[None]:
    """Run this process (and the tools it starts) on one core, then restore."""
    before = os.sched_getaffinity(0)
    if pinning_possible():
        os.sched_setaffinity(0, {cpu})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def daphne(
    app: str,
    port: int,
    *,
    cpu: int | None = SERVER_CPU,
    env: dict[str, str | None] | None = None,
    log_path: Path | None = None,
) -> Iterator[subprocess.Popen]:
    """A daphne process serving `app` on 127.0.0.1:port (pinned to `cpu` when the
    machine has cores to spare), its output in `log_path` (or dropped), stopped on exit.
    `env` adds to this process's environment; a None value removes the variable."""
    command = [DAPHNE, "-b", "127.0.0.1", "-p", str(port), app]
    if cpu is not None and pinning_possible():
        command = ["taskset", "-c", str(cpu), *command]  # taskset execs: same pid
    with log_path.open("w+b") if log_path else tempfile.TemporaryFile() as log:
        merged = {**os.environ, **(env or {})}
        environment = {name: value for name, value in merged.items() if value is not None}
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=log)
        try:
            _wait_for_port(port, process, log)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for_port(port: int, process: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 30
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        if process.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            raise RuntimeError(f"daphne did not start:\n{log.read().decode()[-2000:]}")
        time.sleep(0.1)


# --- Redis ---------------------------------------------------------------------------


def redis_benchmark(url: str, requests: int, clients: int) -> dict[str, Stats]:
    """PING, SET and PUBLISH (a custom command) through redis-benchmark --csv."""
    parts = urlsplit(url)
    base = ["redis-benchmark", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 6379)]
    base += ["--dbnum", (parts.path.strip("/") or "0"), "--csv", "-c", str(clients)]
    base += ["-n", str(requests)]
    out = subprocess.run([*base, "-t", "ping,set"], capture_output=True, text=True, check=True)
    publish = subprocess.run(
        [*base, "publish", "buzz-bench-floor", "x"], capture_output=True, text=True, check=True
    )
    rows = {}
    for text in (out.stdout, publish.stdout):
        for row in csv.DictReader(io.StringIO(text)):
            name = {"PING_MBULK": "PING", "publish buzz-bench-floor x": "PUBLISH"}.get(
                row["test"], row["test"]
            )
            if name in {"PING", "SET", "PUBLISH"}:
                rows[name] = {
                    "p50": float(row["p50_latency_ms"]),
                    "p95": float(row["p95_latency_ms"]),
                    "p99": float(row["p99_latency_ms"]),
                    "rps": float(row["rps"]),
                }
    return rows


async def _raw_round_trips(url: str, rounds: int) -> list[float]:
    """PUBLISH on one redis-py connection until another, subscribed, has it (ms)."""
    import uuid

    from redis import asyncio as aioredis

    publisher = aioredis.from_url(url)
    subscriber = aioredis.from_url(url)
    pubsub = subscriber.pubsub()
    channel = f"bench-raw-{uuid.uuid4().hex}"
    await pubsub.subscribe(channel)
    await pubsub.get_message(timeout=1)  # the subscribe confirmation
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        await publisher.publish(channel, b"x")
        while (await pubsub.get_message(timeout=1)) is None:
            pass
        samples.append((time.perf_counter() - start) * 1000)
    await pubsub.aclose()
    await publisher.aclose()
    await subscriber.aclose()
    return samples


def pubsub_round_trip(url: str, rounds: int) -> Stats:
    return summary(asyncio.run(_raw_round_trips(url, rounds)))


# --- PostgreSQL -------------------------------------------------------------------------


def pgbench(database: str, seconds: int, scale: int = 10) -> Stats:
    """`pgbench -S -M prepared -c 1`: one client's primary-key SELECT, from the
    per-transaction log. Initialises the database at `scale` once."""
    connect = ["-h", "127.0.0.1", "-U", "postgres"]
    exists = subprocess.run(
        ["psql", *connect, "-d", database, "-tAc", "select to_regclass('pgbench_accounts')"],
        capture_output=True,
        text=True,
    )
    if exists.returncode != 0:
        subprocess.run(["createdb", *connect, database], check=True, capture_output=True)
    if exists.stdout.strip() != "pgbench_accounts":
        subprocess.run(
            ["pgbench", *connect, "-i", "-q", "-s", str(scale), database],
            check=True,
            capture_output=True,
        )
    with tempfile.TemporaryDirectory() as tmp:
        prefix = str(Path(tmp) / "pgbench")
        out = subprocess.run(
            [
                *("pgbench", *connect, "-S", "-M", "prepared", "-c", "1", "-n"),
                *("-T", str(seconds), "-l", f"--log-prefix={prefix}", database),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        # Log lines: client transaction latency_us script epoch_s epoch_us.
        latencies = [
            int(line.split()[2]) / 1000
            for log in Path(tmp).iterdir()
            for line in log.read_text().splitlines()
        ]
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    return summary(latencies, rps=tps)


# --- daphne and a raw ASGI app ---------------------------------------------------------


async def _websocket_echo(port: int, rounds: int) -> list[float]:
    import websockets

    samples = []
    async with websockets.connect(f"ws://127.0.0.1:{port}/") as socket_:
        for i in range(50 + rounds):  # the first 50 warm up
            start = time.perf_counter()
            await socket_.send("x")
            await socket_.recv()
            if i >= 50:
                samples.append((time.perf_counter() - start) * 1000)
    return samples


def raw_asgi(ws_rounds: int, http_rate: float, http_seconds: float) -> dict[str, Stats]:
    """Websocket echo round trips (one client) and open-loop HTTP at a low rate."""
    from bench import loadgen

    port = free_port()
    with daphne("bench.raw_asgi:app", port):
        echo = asyncio.run(_websocket_echo(port, ws_rounds))
        loadgen.run([port], "/", http_rate, 1.0)  # warm up
        http = loadgen.run([port], "/", http_rate, http_seconds)
    return {
        "ws_echo": summary(echo, rps=1000 / statistics.mean(echo)),
        "http": {
            "p50": http.p50,
            "p95": http.p95,
            "p99": http.p99,
            "rps": http.achieved,
            "errors": http.errors + http.timeouts,
            "loadgen_cpu": http.loadgen_cpu,
        },
    }


def measure(
    *,
    redis_url: str = "redis://127.0.0.1:6379/13",
    pgbench_db: str = "buzz_pgbench",
    redis_requests: int = 20000,
    pubsub_rounds: int = 2000,
    pg_seconds: int = 10,
    ws_rounds: int = 3000,
    http_rate: float = 100,
    http_seconds: float = 5,
) -> dict[str, Stats]:
    """The floor figures, keyed by name; each has p50/p95/p99 in ms, most a rate."""
    numbers: dict[str, Stats] = {}
    with pinned(CLIENT_CPU):
        for name, stats in redis_benchmark(redis_url, redis_requests, 1).items():
            numbers[f"redis_{name.lower()}"] = stats
        for name, stats in redis_benchmark(redis_url, redis_requests, 50).items():
            numbers[f"redis_{name.lower()}_c50"] = stats
        numbers["redis_pubsub_round_trip"] = pubsub_round_trip(redis_url, pubsub_rounds)
        numbers["pgbench_select"] = pgbench(pgbench_db, pg_seconds)
        raw = raw_asgi(ws_rounds, http_rate, http_seconds)
    numbers["asgi_ws_echo"] = raw["ws_echo"]
    numbers["asgi_http"] = raw["http"]
    return numbers


LABELS = {
    "redis_ping": "redis-benchmark PING, 1 client",
    "redis_set": "redis-benchmark SET, 1 client",
    "redis_publish": "redis-benchmark PUBLISH, 1 client",
    "redis_ping_c50": "redis-benchmark PING, 50 clients",
    "redis_set_c50": "redis-benchmark SET, 50 clients",
    "redis_publish_c50": "redis-benchmark PUBLISH, 50 clients",
    "redis_pubsub_round_trip": "PUBLISH -> SUBSCRIBE round trip (redis-py asyncio)",
    "pgbench_select": "pgbench -S -M prepared, 1 client",
    "asgi_ws_echo": "websocket echo, raw ASGI under daphne (websockets client)",
    "asgi_http": "HTTP GET, raw ASGI under daphne (open-loop loadgen)",
}


def report(numbers: dict[str, Stats] | None = None, **options) -> str:
    """The B1 section; measures first unless given `measure()`'s numbers."""
    numbers = numbers or measure(**options)
    ping = numbers["redis_ping"]["p50"]
    rows = []
    for key, label in LABELS.items():
        stats = numbers.get(key)
        if stats is None:
            continue
        rate = f"{stats['rps']:,.0f}" if "rps" in stats else ""
        rows.append(
            f"| {label} | {stats['p50']:.3f} | {stats['p95']:.3f} | {stats['p99']:.3f} | "
            f"{rate} | {stats['p50'] / ping:.1f}x |"
        )
    http = numbers["asgi_http"]
    layout = (
        f"daphne on core {SERVER_CPU}, every client on core {CLIENT_CPU} (`taskset`); "
        if pinning_possible()
        else "one core: nothing pinned; "
    )
    return "\n".join(
        [
            "### B1 physical floor",
            "",
            f"{layout}the shared Redis and PostgreSQL servers are not pinned. Rates are "
            "requests/s (pgbench: transactions/s; websocket: sequential round trips/s). "
            f"HTTP at {http['rps']:.0f} req/s open-loop, {http['errors']:.0f} errors, "
            f"load generator CPU {http['loadgen_cpu']:.0%} of a core (`python -m bench.floor`).",
            "",
            "| floor | p50 ms | p95 ms | p99 ms | rate /s | p50 / Redis PING p50 |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
            *rows,
            "",
        ]
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--pgbench-db", default="buzz_pgbench")
    parser.add_argument("--pg-seconds", type=int, default=10)
    parser.add_argument("--ws-rounds", type=int, default=3000)
    args = parser.parse_args()
    print(
        report(
            redis_url=args.redis,
            pgbench_db=args.pgbench_db,
            pg_seconds=args.pg_seconds,
            ws_rounds=args.ws_rounds,
        )
    )
