"""Fixtures shared by the whole suite: members, clients, websockets, a browser."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
import pytest_asyncio
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from tests.factories import TEST_PASSWORD, UserFactory

BASE_DIR = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("BUZZ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_configure(config):
    from django.conf import settings as django_settings

    # Hashing is deliberately slow; tests create hundreds of users. The usual
    # hashers stay listed so demo passwords still verify.
    django_settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *django_settings.PASSWORD_HASHERS,
    ]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """A SQLite test database file per run: two suites on one machine never share it."""
    for db_settings in settings.DATABASES.values():
        test_name = db_settings.get("TEST", {}).get("NAME")
        if db_settings["ENGINE"].endswith("sqlite3") and test_name:
            db_settings["TEST"]["NAME"] = test_name.replace(".sqlite3", f"-{os.getpid()}.sqlite3")


@pytest.fixture
def member(db):
    return UserFactory()


@pytest.fixture
def member_client(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


@pytest.fixture(autouse=True)
def _forget_presence(monkeypatch):
    """Presence lives in the cache (Redis in the Redis leg), outside the test's
    transaction, and user ids repeat between tests: forget what a test set."""
    from django.core.cache import cache

    from feed import services

    touched: set[int] = set()
    original = services.presence_touch

    def remembering_touch(*, user_id: int) -> None:
        touched.add(user_id)
        original(user_id=user_id)

    monkeypatch.setattr(services, "presence_touch", remembering_touch)
    yield
    cache.delete_many([f"presence:{user_id}" for user_id in touched])


@pytest.fixture(autouse=True)
def _fresh_rate_limits(monkeypatch):
    """Rate-limit counters live in the cache (Redis in the Redis leg): a fresh
    key prefix per test, so one test's posts never count against the next."""
    import uuid

    from community import ratelimit

    monkeypatch.setattr(ratelimit, "KEY_PREFIX", f"ratelimit-test-{uuid.uuid4().hex}")


@pytest.fixture(autouse=True)
def _fresh_search_backend():
    """Settings overrides may switch the search backend: never reuse a cached one."""
    from search.backends import get_search_backend

    get_search_backend.cache_clear()
    yield
    get_search_backend.cache_clear()


# --- websockets -------------------------------------------------------------


@pytest_asyncio.fixture
async def ws_connect() -> AsyncIterator[Callable]:
    """Open websockets to /ws/ through the real ASGI stack (origin check, session
    auth); every socket opened is disconnected at teardown.

    Usage: `communicator, connected, code = await ws_connect(user)`; user=None
    connects anonymously.
    """
    from asgi import application

    opened: list[WebsocketCommunicator] = []

    async def connect(user=None, *, origin: str = "http://127.0.0.1", path: str = "/ws/"):
        headers = [(b"origin", origin.encode()), (b"host", b"127.0.0.1")]
        if user is not None:
            cookie = await _session_cookie_for(user)
            headers.append((b"cookie", cookie.encode()))
        communicator = WebsocketCommunicator(application, path, headers=headers)
        opened.append(communicator)
        connected, code = await communicator.connect(timeout=5)
        return communicator, connected, code

    yield connect
    for communicator in opened:
        with contextlib.suppress(Exception):
            await communicator.disconnect(timeout=2)
    # The consumers' database work ran in asgiref's worker thread: close its
    # connections, or PostgreSQL refuses to drop the test database at the end.
    from channels.db import database_sync_to_async
    from django.db import connections

    await database_sync_to_async(connections.close_all)()


async def _session_cookie_for(user) -> str:
    from channels.db import database_sync_to_async

    @database_sync_to_async
    def make_cookie() -> str:
        client = Client()
        client.force_login(user)
        return (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )

    return await make_cookie()


# --- the browser --------------------------------------------------------------


def _set_test_database_name() -> None:
    # Runs in the daphne child: point it at the test database pytest-django made.
    from concurrent.futures import ThreadPoolExecutor

    from asgiref.sync import AsyncToSync, SyncToAsync
    from django.db import connections

    for alias in connections:
        connection = connections[alias]
        test_name = connection.settings_dict.get("TEST", {}).get("NAME")
        if connection.vendor == "sqlite" and test_name:
            connection.settings_dict["NAME"] = test_name
        # The parent's connection (and psycopg pool) sockets came through the
        # fork: forget them, unclosed (closing would end the parent's session).
        connection.connection = None
        getattr(type(connection), "_connection_pools", {}).clear()
    # Threads do not survive a fork, but asgiref's executors still name the
    # parent's: after an async test had run, the child's first sync_to_async
    # waited forever for a thread that is not there.
    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)
    AsyncToSync.loop_thread_executors.clear()


@contextlib.contextmanager
def daphne_server(django_db_blocker) -> Iterator[str]:
    """The real ASGI app (HTTP + websockets) under daphne on a free 127.0.0.1 port,
    in a forked child process sharing the test database and the channel layer."""
    from channels.testing.live import make_application
    from daphne.testing import DaphneProcess
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.db import connections

    for connection in connections.all():
        if connection.vendor == "sqlite" and connection.is_in_memory_db():
            pytest.fail("the live server needs a file-backed test database")
    with django_db_blocker.unblock():
        ContentType.objects.clear_cache()
        get_application = partial(make_application, static_wrapper=ASGIStaticFilesHandler)
        process = DaphneProcess("127.0.0.1", get_application, setup=_set_test_database_name)
        process.start()
        if not process.ready.wait(timeout=30):
            process.terminate()
            pytest.fail("daphne did not start within 30 s")
        url = f"http://127.0.0.1:{process.port.value}"
    try:
        yield url
    finally:
        process.terminate()
        process.join(timeout=10)


@pytest.fixture(scope="module")
def asgi_live_server(django_db_setup, django_db_blocker) -> Iterator[str]:
    """One daphne per module, forked when the module starts: transactional tests
    that ran before may have flushed the database, and post_migrate then
    recreated the content types with new ids; a fresh fork (with a fresh
    ContentType cache) never writes a stale id."""
    with daphne_server(django_db_blocker) as url:
        yield url


@pytest.fixture(scope="module")
def chromium():
    """Debian's chromium driven by Playwright (it cannot download its own browser here)."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (the .ci/run script does)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the ORM
    # work of the tests and their db fixtures is still plain sync code here
    # (STACK-NOTES trap 4). Only for the browser module, restored after.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(chromium, asgi_live_server):
    # The tests inject scripts (axe-core) and string predicates, which our CSP
    # rightly forbids; tests/browser/test_csp.py drives the pages with it enforced.
    context = chromium.new_context(base_url=asgi_live_server, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def login(page):
    """Log a user in through the real login form."""

    def do_login(username: str, password: str = TEST_PASSWORD) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/")

    return do_login


AXE_SCRIPT = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
