"""Every setting that comes from the environment is read here, in one place.

Bad values fail at start with ImproperlyConfigured naming the variable, not
with a stack trace deep inside the first request.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use true or false.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_env(sqlite_path: str) -> dict[str, Any]:
    """DATABASE_URL if set (postgres:// or sqlite://), else a SQLite file."""
    url = env_str("DATABASE_URL")
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": sqlite_path,
            # The test database is a file so the live daphne server (another
            # process) can share it; an in-memory one would be private.
            "TEST": {"NAME": sqlite_path.replace(".sqlite3", "-test.sqlite3")},
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    scheme = urlsplit(url).scheme
    if scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL has scheme {scheme!r}; Buzz supports postgres://user@host:port/name "
            "or sqlite:///path."
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
    except Exception as exc:
        raise ImproperlyConfigured(f"DATABASE_URL could not be parsed: {exc}") from None
    if not config.get("NAME"):
        raise ImproperlyConfigured("DATABASE_URL names no database, e.g. postgres://host/buzz.")
    if config["ENGINE"].endswith("postgresql"):
        config["CONN_HEALTH_CHECKS"] = True
        # JIT compilation pays for long analytics, not for a web app's queries:
        # it spent ~300 ms compiling the people search's aggregate on every call,
        # longer than the query ran (EXPLAIN ANALYZE on the bench organisation).
        config.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
        pool_size = env_int("DATABASE_POOL_MAX_SIZE", 10)
        if pool_size > 0:
            # Under daphne every request may run on another thread, so
            # CONN_MAX_AGE opened (and kept) a new connection per request;
            # psycopg's pool hands each request a ready connection instead.
            config["CONN_MAX_AGE"] = 0
            config.setdefault("OPTIONS", {})["pool"] = {
                "min_size": min(env_int("DATABASE_POOL_MIN_SIZE", 2), pool_size),
                "max_size": pool_size,
                "timeout": env_int("DATABASE_POOL_TIMEOUT", 10),
            }
    return config


def redis_url_from_env() -> str:
    url = env_str("REDIS_URL")
    if url and urlsplit(url).scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(
            f"REDIS_URL={url!r} is not a redis:// (or rediss://) URL, e.g. redis://127.0.0.1:6379/0."
        )
    return url


def http_url_from_env(name: str) -> str:
    url = env_str(name)
    if url:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ImproperlyConfigured(
                f"{name}={url!r} is not an http(s) URL, e.g. http://127.0.0.1:9200."
            )
    return url
