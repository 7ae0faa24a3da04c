"""B2 live fan-out: posts reach every online member of a group over websockets.

Two daphne processes serve `asgi:application` (DEBUG off, Redis channel layer);
every member of a group of 1,000 / 200 / 20 has one websocket open, logged in with
a session cookie, half on each process, held by two client processes. A publisher
here creates posts through `feed.services.post_create` at a constant rate (open
loop) and stamps the commit with an on_commit callback registered before the
service call, so it runs just before the live publish. Per post: the time from
commit to the *last* recipient, and the deliveries lost. Both channel layers are
measured (BUZZ_CHANNEL_LAYER=core|pubsub), against a raw ASGI broadcast (one Redis
PUBLISH forwarded to every socket, bench/raw_broadcast.py) on the same number of
sockets and processes, interleaved per group size in the same run.

    DATABASE_URL=postgres://... python -m bench.live [--redis redis://127.0.0.1:6379/12]
        [--sizes 1000 200 20] [--rates 10 50] [--seconds 6]

PostgreSQL only. Uses the open groups `bench-live-<size>`, creating them (and the
`userNNNNN` members they lack) when missing. Posts and sessions made here are
deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REDIS = "redis://127.0.0.1:6379/12"
SIZES = (1000, 200, 20)
RATES = (10, 50)
STACKS = ("raw", "core", "pubsub")
# Targets from issue 11: p99 commit -> last recipient, by group size; 0 lost; <= 3x raw.
P99_TARGET_MS = {1000: 100.0, 20: 20.0}
MAX_RATIO = 3.0
GRACE_SECONDS = 10.0  # after the last post; later than this counts as lost
CLIENT_PROCESSES = 2
SATURATED = 0.9  # a process above 90 % of one core is the bottleneck, not the code
PRODUCTION_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
}


# --- measuring (pure, tested) ---------------------------------------------------------


@dataclass
class Latency:
    """Commit (or PUBLISH) -> last recipient, over the posts every socket received;
    `first` is commit -> first recipient (the publish path without the fan-out)."""

    posts: int
    expected: int
    lost: int
    samples: list[float] = field(default_factory=list)
    first: list[float] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return _quantile(self.samples, 50)

    @property
    def p95(self) -> float:
        return _quantile(self.samples, 95)

    @property
    def p99(self) -> float:
        return _quantile(self.samples, 99)


def _quantile(samples: list[float], percent: int) -> float:
    if not samples:
        return float("nan")
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[percent - 1]


Arrivals = dict[int, tuple[int, float, float]]  # post id -> (deliveries, first, last)


def aggregate(sent: dict[int, float], arrivals: Arrivals, recipients: int) -> Latency:
    """`sent` maps post id -> commit time, `arrivals` post id -> (deliveries, time of
    the first, time of the last), all on the machine's monotonic clock. A post missing
    at any recipient counts its missing deliveries as lost and gives no latency sample."""
    latency = Latency(posts=len(sent), expected=len(sent) * recipients, lost=0)
    for post, committed in sent.items():
        count, first, last = arrivals.get(post, (0, 0.0, 0.0))
        missing = max(recipients - count, 0)
        latency.lost += missing
        if count:
            latency.first.append((first - committed) * 1000)
        if not missing:
            latency.samples.append((last - committed) * 1000)
    return latency


def merge_arrivals(*parts: Arrivals) -> Arrivals:
    """Arrivals from several client processes: counts add up, the earliest first and
    the latest last win."""
    merged: Arrivals = {}
    for part in parts:
        for post, (count, first, last) in part.items():
            if post in merged:
                before = merged[post]
                merged[post] = (before[0] + count, min(before[1], first), max(before[2], last))
            else:
                merged[post] = (count, first, last)
    return merged


# --- the websocket clients (a separate process each) ----------------------------------


def _reply(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


async def _client_main(spec: dict[str, Any]) -> None:
    from websockets.asyncio.client import connect

    arrivals: dict[int, list] = {}
    state = {"received": 0, "dropped": 0}
    gate = asyncio.Semaphore(50)  # connect in waves: daphne's accept queue is finite

    async def open_one(url: str, origin: str, cookie: str | None):
        headers = {"Cookie": cookie} if cookie else None
        async with gate:
            ws = await connect(
                url,
                origin=origin,
                additional_headers=headers,
                compression=None,
                proxy=None,
                ping_interval=None,
                open_timeout=60,
            )
            hello = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if hello.get("type") != "hello":
                raise RuntimeError(f"no hello: {hello}")
            return ws

    async def listen(ws) -> None:
        try:
            async for text in ws:
                message = json.loads(text)
                if message.get("type") == "post.created":
                    now = time.monotonic()
                    entry = arrivals.setdefault(message["post"], [0, now, now])
                    entry[0] += 1
                    entry[2] = now
                    state["received"] += 1
        except Exception:
            state["dropped"] += 1

    opened = await asyncio.gather(
        *(open_one(s["url"], s["origin"], s.get("cookie")) for s in spec["sockets"]),
        return_exceptions=True,
    )
    sockets = [ws for ws in opened if not isinstance(ws, BaseException)]
    errors = sorted({repr(ws)[:200] for ws in opened if isinstance(ws, BaseException)})
    _reply({"ready": len(sockets), "failed": len(opened) - len(sockets), "errors": errors[:3]})
    listeners = [asyncio.ensure_future(listen(ws)) for ws in sockets]
    while True:
        command = (await asyncio.to_thread(sys.stdin.readline)).strip()
        if command == "cpu":
            usage = resource.getrusage(resource.RUSAGE_SELF)
            _reply({"cpu": usage.ru_utime + usage.ru_stime, "dropped": state["dropped"]})
        elif command == "count":
            _reply({"received": state["received"]})
        elif command == "dump":
            _reply({"arrivals": {str(k): v for k, v in arrivals.items()}})
            arrivals.clear()
            state["received"] = 0
        else:  # "quit" or the parent went away
            await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
            for task in listeners:
                task.cancel()
            _reply({"bye": True})
            return


class ClientProcess:
    """One load-generator process holding some of the sockets; talks JSON lines."""

    def __init__(self, sockets: list[dict[str, str]], cpu: str | None) -> None:
        command = [sys.executable, "-m", "bench.live", "--client"]
        if cpu is not None:
            command = ["taskset", "-c", cpu, *command]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self._send(json.dumps({"sockets": sockets}))
        self.hello = self._read()

    def _send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"client process exited ({self.process.poll()})")
        return json.loads(line)

    def ask(self, command: str) -> dict[str, Any]:
        self._send(command)
        return self._read()

    def arrivals(self) -> Arrivals:
        return {int(k): (v[0], v[1], v[2]) for k, v in self.ask("dump")["arrivals"].items()}

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ask("quit")
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


# --- servers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Daphne:
    """One daphne process on a free port, optionally pinned to a CPU."""

    def __init__(self, app: str, env: dict[str, str], cpu: str | None) -> None:
        self.port = free_port()
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), app]
        if cpu is not None:
            command = ["taskset", "-c", cpu, *command]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited ({self.process.returncode}):\n{self.log_tail()}")
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            time.sleep(0.1)
        raise RuntimeError(f"daphne on port {self.port} did not start in {timeout} s")

    def log_tail(self, chars: int = 2000) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-chars:]

    def cpu_seconds(self) -> float:
        """user + system time from /proc (taskset execs daphne: same pid)."""
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return 0.0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU time of the whole machine from /proc/stat: other processes
    count too, so a starved run shows as saturated even when ours look idle."""
    with contextlib.suppress(OSError, ValueError):
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = values[3] + (values[4] if len(values) > 4 else 0)
        return sum(values) - idle, sum(values)
    return 0.0, 0.0


def pin_plan(cpus: int | None = None) -> tuple[list[str | None], list[str | None], str]:
    """CPUs for the 2 daphne processes and the client processes, and a sentence
    saying so. One core per daphne process as in production; clients get cores of
    their own only when the machine has them."""
    cpus = cpus if cpus is not None else (os.cpu_count() or 1)
    if cpus < 2 or not shutil.which("taskset"):
        return [None, None], [None] * CLIENT_PROCESSES, "no pinning"
    if cpus >= 4:
        return (
            ["0", "1"],
            ["2", "3"],
            "daphne pinned to CPUs 0 and 1, client processes to CPUs 2 and 3",
        )
    return (
        ["0", "1"],
        [None] * CLIENT_PROCESSES,
        f"daphne pinned one per CPU (0, 1); clients, publisher and Redis float on the same "
        f"{cpus} CPUs",
    )


# --- data: the groups, their members' sessions, cleanup ----------------------------------


def ensure_live_group(size: int):
    """The open group `bench-live-<size>` with exactly `size` members, made (with
    `userNNNNN` members) when missing: the generated organisation already has it."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from groups.models import Group, Membership, Role, Visibility
    from profiles.models import User

    slug = f"bench-live-{size}"
    with transaction.atomic():
        group, _ = Group.objects.get_or_create(
            slug=slug, defaults={"name": f"Bench live {size}", "visibility": Visibility.OPEN}
        )
        have = group.memberships.count()
        if have > size:
            raise RuntimeError(f"group {slug} has {have} members, more than {size}")
        if have == size:
            return group
        candidates = list(
            User.objects.filter(username__regex=r"^user[0-9]+$", is_active=True)
            .exclude(memberships__group=group)
            .order_by("username")[: size - have]
        )
        if len(candidates) < size - have:
            taken = set(User.objects.filter(username__startswith="user").values_list("username"))
            numbers = (n for n in range(1, 10**7) if (f"user{n:05d}",) not in taken)
            new = [next(numbers) for _ in range(size - have - len(candidates))]
            candidates += User.objects.bulk_create(
                User(
                    username=f"user{n:05d}",
                    email=f"user{n:05d}@bench-live.invalid",
                    password=make_password(None),
                )
                for n in new
            )
        Membership.objects.bulk_create(
            Membership(
                group=group, user=user, role=Role.OWNER if i == 0 and not have else Role.MEMBER
            )
            for i, user in enumerate(candidates)
        )
    return group


def member_sessions(users, secret_key: str) -> list[str]:
    """A logged-in database session per user, signed with the servers' SECRET_KEY,
    exactly as django.contrib.auth.login leaves it; returns the session keys."""
    import datetime as dt

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.test.utils import override_settings
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    expires = timezone.now() + dt.timedelta(hours=2)
    rows = []
    with override_settings(SECRET_KEY=secret_key):
        store = SessionStore()
        for user in users:
            data = {
                SESSION_KEY: user._meta.pk.value_to_string(user),
                BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
                HASH_SESSION_KEY: user.get_session_auth_hash(),
            }
            key = get_random_string(32, VALID_KEY_CHARS)
            rows.append(
                Session(session_key=key, session_data=store.encode(data), expire_date=expires)
            )
    Session.objects.bulk_create(rows, batch_size=1000)
    return [row.session_key for row in rows]


def delete_made(post_ids: list[int], session_keys: list[str], since) -> None:
    from django.contrib.sessions.models import Session
    from django_tasks_db.models import DBTaskResult

    from feed.models import LiveEvent, Post
    from metrics.models import ParticipationEvent
    from search.models import DocumentKind, IndexOutbox

    Session.objects.filter(session_key__in=session_keys).delete()
    for start in range(0, len(post_ids), 1000):
        batch = post_ids[start : start + 1000]
        LiveEvent.objects.filter(post_id__in=batch).delete()
        ParticipationEvent.objects.filter(object_type="feed.post", object_id__in=batch).delete()
        Post.objects.filter(pk__in=batch).delete()
        IndexOutbox.objects.filter(kind=DocumentKind.POST, object_id__in=batch).delete()
    # The search drains our posts queued (no worker runs during the benchmark).
    DBTaskResult.objects.filter(
        task_path="search.tasks.search_outbox_drain", enqueued_at__gte=since, started_at=None
    ).delete()


# --- publishers ---------------------------------------------------------------------------


def _create_post(actor, group, n: int) -> tuple[int, float]:
    """One post through the real write path; returns its id and commit time."""
    from django.db import transaction

    from feed.services import post_create

    committed: list[float] = []
    with transaction.atomic():
        # Registered first, so it runs before the service's own live publish.
        transaction.on_commit(lambda: committed.append(time.monotonic()))
        post = post_create(actor=actor, group=group, body=f"B2 live fan-out, post {n}")
    return post.pk, committed[0]


async def _open_loop(rate: float, count: int, start_one) -> list:
    """Start one job every 1/rate s whatever the previous ones are doing."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    jobs = []
    for n in range(count):
        delay = start + n / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        jobs.append(asyncio.ensure_future(start_one(n)))
    return await asyncio.gather(*jobs)


async def publish_buzz(
    actor, group, rate: float, count: int, executor: ThreadPoolExecutor
) -> dict[int, float]:
    from asgiref.sync import sync_to_async

    # Threads started by sync_to_async hand group_send back to this loop, as a sync
    # view's does under daphne: one Redis connection pool, no loop per publish.
    create = sync_to_async(_create_post, thread_sensitive=False, executor=executor)
    done = await _open_loop(rate, count, lambda n: create(actor, group, n))
    return dict(done)


async def publish_raw(
    client, channel: str, rate: float, count: int, first: int, author: str, group_id: int
) -> dict[int, float]:
    """PUBLISH at a constant rate to the raw broadcast; returns id -> PUBLISH time."""
    sent: dict[int, float] = {}

    async def one(n: int) -> None:
        post = first + n
        # About the size of Buzz's post.created message.
        text = json.dumps(
            {"id": post, "type": "post.created", "post": post, "group": group_id, "author": author}
        )
        sent[post] = time.monotonic()
        await client.publish(channel, text)

    await _open_loop(rate, count, one)
    return sent


# --- one stack under test -----------------------------------------------------------------


@dataclass
class Phase:
    stack: str
    size: int
    rate: int
    latency: Latency
    seconds: float
    client_cpu: list[float]  # share of one core, per client process
    daphne_cpu: list[float]
    machine_cpu: float  # busy share of all CPUs, every process on the machine
    connected: int
    failed: int


@dataclass
class Run:
    """What every stack of one run shares: data, keys, Redis, pinning, cleanup."""

    redis_url: str
    database_url: str
    seconds: float
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(50))
    prefix: str = field(default_factory=lambda: f"benchlive{uuid.uuid4().hex[:8]}")
    post_ids: list[int] = field(default_factory=list)
    session_keys: list[str] = field(default_factory=list)
    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=8, thread_name_prefix="b2pub")
    )

    def env(self, stack: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            PYTHONPATH=str(ROOT),
            REDIS_URL=self.redis_url,
            LOG_LEVEL="WARNING",
            BUZZ_RAW_CHANNEL=f"{self.prefix}-raw",
        )
        if stack != "raw":
            env.update(
                DJANGO_SETTINGS_MODULE="community.settings",
                DEBUG="false",
                SECRET_KEY=self.secret_key,
                ALLOWED_HOSTS="127.0.0.1",
                DATABASE_URL=self.database_url,
                BUZZ_CHANNEL_LAYER=stack,
                BUZZ_CHANNEL_PREFIX=f"{self.prefix}{stack}",
                TASKS_BACKEND="database",
            )
        return env


@contextlib.contextmanager
def serving(
    run: Run, stack: str, sessions: list[str]
) -> Iterator[list[tuple[ClientProcess, Daphne]]]:
    """2 daphne processes for the stack and the client processes holding one socket
    per session (half on each daphne process); all stopped on the way out."""
    from django.conf import settings

    daphne_cpus, client_cpus, _ = pin_plan()
    app = "bench.raw_broadcast:application" if stack == "raw" else "asgi:application"
    servers = [Daphne(app, run.env(stack), cpu) for cpu in daphne_cpus]
    clients: list[ClientProcess] = []
    try:
        for server in servers:
            server.wait_ready()
        for index, server in enumerate(servers):
            origin = f"http://127.0.0.1:{server.port}"
            mine = sessions[index :: len(servers)]
            sockets = [
                {
                    "url": f"ws://127.0.0.1:{server.port}/ws/",
                    "origin": origin,
                    "cookie": f"{settings.SESSION_COOKIE_NAME}={key}",
                }
                for key in mine
            ]
            clients.append(ClientProcess(sockets, client_cpus[index % len(client_cpus)]))
        yield list(zip(clients, servers, strict=True))
    finally:
        for client in clients:
            client.close()
        for server in servers:
            server.stop()


def _wait_for_deliveries(clients: list[ClientProcess], expected: int) -> None:
    deadline = time.monotonic() + GRACE_SECONDS
    while time.monotonic() < deadline:
        if sum(client.ask("count")["received"] for client in clients) >= expected:
            return
        time.sleep(0.05)


def measure_stack(run: Run, stack: str, size: int, rates: tuple[int, ...]) -> list[Phase]:
    """Open the sockets once, then publish at each rate in turn (one event loop, so
    the publisher's Redis connections are warm after the first posts)."""
    from django.test.utils import override_settings

    from community.settings.channels import channel_layer_config
    from groups.models import Group

    group = Group.objects.get(slug=f"bench-live-{size}")
    members = list(group.members.order_by("pk"))
    actor = members[0]
    sessions = member_sessions(members, run.secret_key)
    run.session_keys += sessions
    # The publisher's layer must be the servers' layer (same backend and prefix), and
    # background tasks are queued as in production (docker-compose.yml): the immediate
    # backend would run the search indexing on commit, before the live publish.
    layers = contextlib.nullcontext()
    if stack != "raw":
        config = channel_layer_config(run.redis_url, stack, f"{run.prefix}{stack}")
        # One actor posts hundreds a minute: feed.services enforces the post rate limit.
        layers = override_settings(
            CHANNEL_LAYERS={"default": config},
            TASKS=PRODUCTION_TASKS,
            BUZZ_RATE_POSTS_PER_MINUTE=10**9,
        )
    with layers, serving(run, stack, sessions) as pairs:
        clients = [client for client, _ in pairs]
        servers = [server for _, server in pairs]
        failed = sum(client.hello["failed"] for client in clients)
        if failed:
            errors = [e for client in clients for e in client.hello["errors"]]
            print(f"  {stack}/{size}: {failed} sockets failed: {errors}", file=sys.stderr)
            print(servers[0].log_tail(), file=sys.stderr)
        if stack == "raw":
            _wait_for_raw_subscribers(run.redis_url, f"{run.prefix}-raw", len(servers))
        return asyncio.run(_publish_phases(run, stack, size, group, actor, rates, clients, servers))


async def _publish_phases(
    run: Run,
    stack: str,
    size: int,
    group,
    actor,
    rates: tuple[int, ...],
    clients: list[ClientProcess],
    servers: list[Daphne],
) -> list[Phase]:
    from redis import asyncio as aioredis

    connected = sum(client.hello["ready"] for client in clients)
    failed = sum(client.hello["failed"] for client in clients)
    redis = aioredis.from_url(run.redis_url)
    next_raw = 1

    async def publish(rate: float, count: int) -> dict[int, float]:
        nonlocal next_raw
        if stack == "raw":
            channel = f"{run.prefix}-raw"
            author = actor.get_username()
            sent = await publish_raw(redis, channel, rate, count, next_raw, author, group.pk)
            next_raw += count
            return sent
        sent = await publish_buzz(actor, group, rate, count, run.executor)
        run.post_ids.extend(sent)
        return sent

    phases = []
    try:
        # Warm up (connections, caches); not measured.
        await publish(5, 3)
        _wait_for_deliveries(clients, 3 * connected)
        for client in clients:
            client.arrivals()
        for rate in rates:
            count = max(1, round(rate * run.seconds))
            cpu_before = [client.ask("cpu")["cpu"] for client in clients]
            daphne_before = [server.cpu_seconds() for server in servers]
            machine_before = machine_busy()
            started = time.monotonic()
            sent = await publish(rate, count)
            elapsed = time.monotonic() - started
            cpu_after = [client.ask("cpu")["cpu"] for client in clients]
            daphne_after = [server.cpu_seconds() for server in servers]
            busy, total = (a - b for a, b in zip(machine_busy(), machine_before, strict=True))
            _wait_for_deliveries(clients, count * connected)
            arrivals = merge_arrivals(*(client.arrivals() for client in clients))
            phases.append(
                Phase(
                    stack=stack,
                    size=size,
                    rate=rate,
                    latency=aggregate(sent, arrivals, connected),
                    seconds=elapsed,
                    client_cpu=[
                        (a - b) / elapsed for a, b in zip(cpu_after, cpu_before, strict=True)
                    ],
                    daphne_cpu=[
                        (a - b) / elapsed for a, b in zip(daphne_after, daphne_before, strict=True)
                    ],
                    machine_cpu=busy / total if total else 0.0,
                    connected=connected,
                    failed=failed,
                )
            )
            await asyncio.sleep(0.5)
    finally:
        await redis.aclose()
    return phases


def _wait_for_raw_subscribers(url: str, channel: str, processes: int) -> None:
    import redis

    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if dict(client.pubsub_numsub(channel)).get(channel.encode(), 0) >= processes:
            break
        time.sleep(0.05)
    client.close()


def _forget_redis_keys(run: Run) -> None:
    """The layers' keys of this run (stale group members would slow the next run)."""
    import redis

    client = redis.Redis.from_url(run.redis_url)
    for key in client.scan_iter(match=f"{run.prefix}*", count=1000):
        client.delete(key)
    client.close()


def _close_publisher_connections(run: Run) -> None:
    """Each publisher thread has its own database connection; close them there."""
    from django.db import connections

    workers = run.executor._max_workers
    barrier = threading.Barrier(workers)

    def close() -> None:
        connections.close_all()
        # Hold the thread so that each of the pool's threads takes one close.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=5)

    for future in [run.executor.submit(close) for _ in range(workers)]:
        future.result()
    run.executor.shutdown()


# --- the report -------------------------------------------------------------------------


def _cpu(shares: list[float]) -> str:
    return " / ".join(f"{share * 100:.0f}%" for share in shares)


def _bound(phase: Phase) -> str:
    notes = []
    if max(phase.client_cpu, default=0) >= SATURATED:
        notes.append("clients saturated")
    if max(phase.daphne_cpu, default=0) >= SATURATED:
        notes.append("daphne saturated")
    if phase.machine_cpu >= SATURATED:
        notes.append("machine saturated")
    return ", ".join(notes) or "-"


def _verdict(value: float, limit: float, unit: str = " ms") -> str:
    if value <= limit:
        return f"met ({value:.1f}{unit} <= {limit:g}{unit})"
    return f"missed by {value - limit:.1f}{unit} ({value:.1f}{unit} > {limit:g}{unit})"


def render(phases: list[Phase], *, seconds: float, pinning: str) -> str:
    cores = os.cpu_count() or 1
    raw = {(p.size, p.rate): p.latency for p in phases if p.stack == "raw"}
    rows, targets = [], []
    for phase in phases:
        base = raw.get((phase.size, phase.rate))
        latency = phase.latency
        p50_ratio = latency.p50 / base.p50 if base and base.p50 else float("nan")
        p99_ratio = latency.p99 / base.p99 if base and base.p99 else float("nan")
        rows.append(
            f"| {phase.size} | {phase.rate} | {phase.stack} | {latency.posts} | "
            f"{_quantile(latency.first, 50):.1f} | {latency.p50:.1f} | {latency.p95:.1f} | "
            f"{latency.p99:.1f} | "
            f"{latency.lost}/{latency.expected} | {p50_ratio:.1f}x | {p99_ratio:.1f}x | "
            f"{_cpu(phase.client_cpu)} | {_cpu(phase.daphne_cpu)} | "
            f"{phase.machine_cpu * 100:.0f}% | {_bound(phase)} |"
        )
        if phase.stack == "raw":
            continue
        checks = []
        if phase.size in P99_TARGET_MS:
            checks.append(f"p99 {_verdict(latency.p99, P99_TARGET_MS[phase.size])}")
        checks.append("0 lost: met" if latency.lost == 0 else f"0 lost: missed by {latency.lost}")
        checks.append(f"p99 <= 3x raw: {_verdict(p99_ratio, MAX_RATIO, 'x')}")
        targets.append(
            f"- {phase.size} members, {phase.rate}/s, {phase.stack}: " + "; ".join(checks)
        )
    return "\n".join(
        [
            "### B2 live fan-out over websockets",
            "",
            f"Groups of {', '.join(str(s) for s in sorted({p.size for p in phases}, reverse=True))}"
            f" members, every member online with one websocket (session cookie), half on each "
            f"of 2 daphne processes (`asgi:application`, DEBUG off), held by {CLIENT_PROCESSES} "
            f"client processes (`websockets`); posts created through `feed.services.post_create`"
            f" at a constant rate (open loop, ~{seconds:g} s per rate), latency from commit "
            f"(on_commit stamp) to the *last* recipient (first p50: to the first one). "
            f"Raw baseline: `bench/raw_broadcast.py` (one Redis PUBLISH forwarded to every "
            f"socket, no Django/Channels) on the same sockets and processes, interleaved per "
            f"size (the order of the three stacks rotates from size to size). "
            f"{cores} CPUs; {pinning}. Publisher: TASKS_BACKEND=database as in "
            f"docker-compose.yml; lost = not received {GRACE_SECONDS:g} s after the last post. "
            f"CPU columns: share of one core per process while publishing, then the busy "
            f'share of the whole machine (every process on it); "saturated" marks rows '
            f"bounded by the machine rather than the code.",
            "",
            "| members | posts/s | stack | posts | first p50 ms | p50 ms | p95 ms | p99 ms | "
            "lost | p50 / raw | p99 / raw | client CPU | daphne CPU | machine CPU | bound |",
            "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
            "| ---: | ---: | --- |",
            *rows,
            "",
            *targets,
            "",
            _choice(phases),
            "",
        ]
    )


def _choice(phases: list[Phase]) -> str:
    """Which layer to run, from this run's numbers: fewer lost deliveries first, then
    the lower p99 in more of the (size, rate) rows both layers ran."""
    by_row = {(p.stack, p.size, p.rate): p.latency for p in phases}
    rows = sorted({(p.size, p.rate) for p in phases if p.stack != "raw"}, reverse=True)
    if not rows or not all(("core", *r) in by_row and ("pubsub", *r) in by_row for r in rows):
        return ""

    def p99(layer: str, row: tuple[int, int]) -> float:
        value = by_row[(layer, *row)].p99
        return float("inf") if math.isnan(value) else value

    lost = {layer: sum(by_row[(layer, *r)].lost for r in rows) for layer in ("core", "pubsub")}
    wins = {
        layer: sum(p99(layer, r) < p99(other, r) for r in rows)
        for layer, other in (("core", "pubsub"), ("pubsub", "core"))
    }
    best = min(("core", "pubsub"), key=lambda layer: (lost[layer], -wins[layer]))
    other = "core" if best == "pubsub" else "pubsub"
    top = rows[0]
    return (
        f"Layer choice: **{best}** (BUZZ_CHANNEL_LAYER={best}): lower p99 in {wins[best]} of "
        f"{len(rows)} rows ({other}: {wins[other]}), {lost[best]} deliveries lost against "
        f"{lost[other]}; at {top[0]} members and {top[1]} posts/s p99 "
        f"{by_row[(best, *top)].p99:.1f} ms against {by_row[(other, *top)].p99:.1f} ms."
    )


def report(
    redis_url: str = DEFAULT_REDIS,
    *,
    sizes: tuple[int, ...] = SIZES,
    rates: tuple[int, ...] = RATES,
    seconds: float = 6.0,
) -> str:
    """Run B2 against DATABASE_URL (PostgreSQL) and Redis; a markdown section."""
    from django.db import connection

    if connection.vendor != "postgresql" or not os.environ.get("DATABASE_URL"):
        print("B2 live fan-out needs DATABASE_URL on PostgreSQL: skipped", file=sys.stderr)
        return ""
    from django.utils import timezone

    run = Run(redis_url=redis_url, database_url=os.environ["DATABASE_URL"], seconds=seconds)
    started = timezone.now()
    phases: list[Phase] = []
    try:
        for turn, size in enumerate(sizes):
            ensure_live_group(size)
            # Rotate the order so that no stack always runs after another one.
            for stack in STACKS[turn % 3 :] + STACKS[: turn % 3]:
                print(f"B2: {size} members, {stack}...", file=sys.stderr)
                phases += measure_stack(run, stack, size, rates)
    finally:
        _close_publisher_connections(run)
        delete_made(run.post_ids, run.session_keys, started)
        _forget_redis_keys(run)
    return render(phases, seconds=seconds, pinning=pin_plan()[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default=DEFAULT_REDIS)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--rates", type=int, nargs="+", default=list(RATES))
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        asyncio.run(_client_main(json.loads(sys.stdin.readline())))
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")
    sys.path.insert(0, str(ROOT))
    from community.startup import load_settings_or_exit

    load_settings_or_exit()
    import django

    django.setup()
    print(
        report(args.redis, sizes=tuple(args.sizes), rates=tuple(args.rates), seconds=args.seconds)
    )


if __name__ == "__main__":
    main()
