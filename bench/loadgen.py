"""An open-loop HTTP/1.1 load generator: asyncio and raw streams, nothing else.

Request i is due at t0 + i/rate whatever happened to earlier requests, and its
latency is measured from that due time, not from when it was sent: when the
server (or the generator) falls behind, the queueing shows in the percentiles
instead of being hidden (coordinated omission corrected). Requests go
round-robin over the target ports, as a load balancer over several daphne
workers would send them, each port with its own pool of keep-alive connections
that grows (up to a cap) when every connection is busy.

The generator reports its own CPU use (process CPU seconds / wall seconds): near
1.0 it is saturated and the figures say more about it than about the server.

    python -m bench.loadgen --ports 8001,8002 --path /api/v1/me --rates 100,200,400 \\
        --duration 4 -H "Authorization: Bearer buzz_..." --cpus 1
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import statistics
import time
from dataclasses import asdict, dataclass, field


@dataclass
class Result:
    rate: float  # the target arrival rate, req/s
    duration: float  # the schedule's length, s
    scheduled: int
    ok: int = 0
    errors: int = 0  # non-2xx answers, refused or dropped connections, bad responses
    timeouts: int = 0  # no answer within the timeout of the due time
    achieved: float = 0.0  # 2xx answers per second of wall time
    p50: float = 0.0  # ms from the due time, 2xx answers only
    p95: float = 0.0
    p99: float = 0.0
    max: float = 0.0
    loadgen_cpu: float = 0.0  # process CPU seconds / wall seconds
    connections: int = 0  # opened over the run
    statuses: dict[str, int] = field(default_factory=dict)  # non-2xx and error kinds
    dispatch_lag_p99: float = 0.0  # ms the generator itself was late handing requests out

    @property
    def clean(self) -> bool:
        return self.errors == 0 and self.timeouts == 0


class BadResponse(Exception):
    pass


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; return its status and whether the server keeps the
    connection open. Only what framing needs is parsed."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise BadResponse(lines[0][:80])
    status = int(parts[1])
    headers = {}
    for line in lines[1:]:
        name, _sep, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                    pass
                break
            await reader.readexactly(size + 2)
    elif "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    else:  # the body ends when the connection does
        await reader.read()
        return status, False
    keep = headers.get("connection", "").lower() != "close" and parts[0] != "HTTP/1.0"
    return status, keep


def request_bytes(host: str, port: int, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class Target:
    """One port with its pool of keep-alive connections: every connection is a
    worker taking due requests from one queue, so idle ones are shared fairly."""

    def __init__(self, run: _Run, port: int, cap: int) -> None:
        self.run, self.port, self.cap = run, port, cap
        self.queue: asyncio.Queue[float] = asyncio.Queue()
        self.workers: list[asyncio.Task] = []
        self.idle = 0
        self.request = request_bytes(run.host, port, run.path, run.headers)

    def submit(self, due: float) -> None:
        self.queue.put_nowait(due)
        if self.idle < self.queue.qsize() and len(self.workers) < self.cap:
            self.grow()

    def grow(self, reader=None, writer=None) -> None:
        self.workers.append(asyncio.create_task(self.work(reader, writer)))

    async def warm(self, count: int) -> None:
        """Open `count` connections before the clock starts."""
        for _ in range(min(count, self.cap)):
            try:
                reader, writer = await asyncio.open_connection(self.run.host, self.port)
            except OSError:
                reader = writer = None  # the first request will retry, and count the error
            else:
                self.run.connections += 1
            self.grow(reader, writer)

    async def work(self, reader, writer) -> None:
        connection = (reader, writer) if writer is not None else None
        try:
            while True:
                self.idle += 1
                try:
                    due = await self.queue.get()
                finally:
                    self.idle -= 1
                try:
                    connection = await self.send(connection, due)
                finally:
                    self.queue.task_done()
        finally:  # cancelled at the end of the run: leave no socket open
            if connection is not None:
                connection[1].close()

    async def send(self, connection, due: float):
        """One request, due at `due`; returns the connection if it stays usable."""
        run = self.run
        if time.perf_counter() - due > run.timeout:
            return connection  # a client would have given up already: a timeout
        keep = False
        try:
            if connection is None:
                connection = await asyncio.open_connection(run.host, self.port)
                run.connections += 1
            reader, writer = connection
            writer.write(self.request)
            status, keep = await asyncio.wait_for(
                read_response(reader), due + run.timeout - time.perf_counter()
            )
        except TimeoutError:
            pass
        except (OSError, asyncio.IncompleteReadError, BadResponse, ValueError) as exc:
            run.fail(type(exc).__name__)
        else:
            if 200 <= status < 300:
                run.done(due)
            else:
                run.fail(str(status))
        if keep:
            return connection
        if connection is not None:
            connection[1].close()
        return None


class _Run:
    def __init__(self, host: str, path: str, headers: dict[str, str], timeout: float) -> None:
        self.host, self.path, self.headers, self.timeout = host, path, headers, timeout
        self.latencies: list[float] = []
        self.last_done = 0.0
        self.errors = self.connections = 0
        self.statuses: collections.Counter[str] = collections.Counter()

    def done(self, due: float) -> None:
        self.last_done = time.perf_counter()
        self.latencies.append((self.last_done - due) * 1000)

    def fail(self, kind: str) -> None:
        self.errors += 1
        self.statuses[kind] += 1


#: asyncio's sleep wakes up to ~1 ms late (epoll's millisecond timeout): at low rates,
#: where that would be most of a fast answer's latency, sleep to this much before the
#: due time and then yield to the loop until it has come. This busy wait counts in
#: the generator's CPU, so only below SPIN_BELOW_RATE, where CPU is no concern.
SPIN = 0.002
SPIN_BELOW_RATE = 200


async def until(due: float, spin: float) -> None:
    delay = due - time.perf_counter()
    if delay > spin:
        await asyncio.sleep(delay - spin)
    while time.perf_counter() < due:
        await asyncio.sleep(0)  # still serves the connections in between


async def run_async(
    ports: list[int],
    path: str,
    rate: float,
    duration: float,
    *,
    host: str = "127.0.0.1",
    headers: dict[str, str] | None = None,
    max_connections: int = 64,
    timeout: float = 2.0,
) -> Result:
    """Send `rate * duration` GET requests on schedule; see the module docstring."""
    run = _Run(host, path, dict(headers or {}), timeout)
    targets = [Target(run, port, max(1, max_connections // len(ports))) for port in ports]
    # A warm connection or two per port, so the first requests do not pay for connects.
    await asyncio.gather(*(target.warm(2) for target in targets))
    scheduled = max(1, round(rate * duration))
    cpu0, t0 = time.process_time(), time.perf_counter() + 0.01
    lags = []
    spin = SPIN if rate < SPIN_BELOW_RATE else 0.0
    for i in range(scheduled):
        due = t0 + i / rate
        await until(due, spin)
        lags.append(time.perf_counter() - due)
        targets[i % len(targets)].submit(due)
    with contextlib.suppress(TimeoutError):  # what is still unanswered counts as timeouts
        await asyncio.wait_for(
            asyncio.gather(*(target.queue.join() for target in targets)), timeout + 1
        )
    wall = max(time.perf_counter(), run.last_done) - t0
    cpu = time.process_time() - cpu0
    for target in targets:
        for worker in target.workers:
            worker.cancel()
        await asyncio.gather(*target.workers, return_exceptions=True)
    ok = len(run.latencies)
    result = Result(
        rate=rate,
        duration=duration,
        scheduled=scheduled,
        ok=ok,
        errors=run.errors,
        timeouts=scheduled - ok - run.errors,  # includes requests never answered
        achieved=ok / (run.last_done - t0) if ok else 0.0,
        loadgen_cpu=cpu / wall if wall > 0 else 0.0,
        connections=run.connections,
        statuses=dict(run.statuses),
        dispatch_lag_p99=statistics.quantiles(lags, n=100)[98] * 1000 if len(lags) > 1 else 0,
    )
    if ok:
        q = statistics.quantiles(run.latencies, n=100, method="inclusive") if ok > 1 else [0] * 99
        result.p50 = statistics.median(run.latencies)
        result.p95, result.p99 = (q[94], q[98]) if ok > 1 else (result.p50, result.p50)
        result.max = max(run.latencies)
    return result


def run(ports: list[int], path: str, rate: float, duration: float, **options) -> Result:
    return asyncio.run(run_async(ports, path, rate, duration, **options))


def ramp(
    ports: list[int],
    path: str,
    rates: list[float],
    duration: float,
    *,
    p99_limit: float = 100.0,
    warmup: float = 0.0,
    **options,
) -> list[Result]:
    """Run the rates in order; stop after the first step with errors, timeouts
    or a p99 at or over `p99_limit` ms (that step is included)."""

    async def steps() -> list[Result]:
        if warmup > 0:
            await run_async(ports, path, rates[0], warmup, **options)
        results = []
        for rate in rates:
            result = await run_async(ports, path, rate, duration, **options)
            results.append(result)
            if not result.clean or result.p99 >= p99_limit:
                break
        return results

    return asyncio.run(steps())


def pin(cpus: list[int]) -> None:
    """Keep the generator on these cores, away from the server's."""
    os.sched_setaffinity(0, cpus)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--ports", required=True, help="comma-separated, round-robin")
    parser.add_argument("--path", default="/")
    parser.add_argument("--rates", default="100", help="req/s, comma-separated: a ramp")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per rate")
    parser.add_argument("--warmup", type=float, default=0.0, help="seconds at the first rate")
    parser.add_argument("--p99-limit", type=float, default=100.0, help="ms; the ramp stops")
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--max-connections", type=int, default=64)
    parser.add_argument("-H", "--header", action="append", default=[], help="'Name: value'")
    parser.add_argument("--cpus", default="", help="cores to pin to, e.g. 1")
    parser.add_argument("--json", action="store_true", help="one JSON list on stdout")
    args = parser.parse_args(argv)
    if args.cpus:
        pin([int(cpu) for cpu in args.cpus.split(",")])
    headers = dict(
        (name.strip(), value.strip())
        for name, _sep, value in (header.partition(":") for header in args.header)
    )
    results = ramp(
        [int(port) for port in args.ports.split(",")],
        args.path,
        [float(rate) for rate in args.rates.split(",")],
        args.duration,
        p99_limit=args.p99_limit,
        warmup=args.warmup,
        host=args.host,
        headers=headers,
        max_connections=args.max_connections,
        timeout=args.timeout,
    )
    if args.json:
        print(json.dumps([asdict(result) for result in results]))
        return
    print("rate achieved ok errors timeouts p50 p95 p99 max (ms) loadgen-cpu conns lag-p99")
    for r in results:
        print(
            f"{r.rate:.0f} {r.achieved:.0f} {r.ok} {r.errors} {r.timeouts} {r.p50:.2f} "
            f"{r.p95:.2f} {r.p99:.2f} {r.max:.2f} {r.loadgen_cpu:.2f} {r.connections} "
            f"{r.dispatch_lag_p99:.2f} {r.statuses or ''}"
        )


if __name__ == "__main__":
    main()
