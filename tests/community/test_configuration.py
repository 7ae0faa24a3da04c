"""Settings come from the environment; bad values stop the process with one clear line."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from community.settings import env

BASE_DIR = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env_vars: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "ELASTICSEARCH_URL",
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "TASKS_BACKEND",
        }
    }
    clean["BUZZ_VAR_DIR"] = str(BASE_DIR / "var")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **env_vars},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DATABASE_URL", "mysql://db/buzz", "Buzz supports postgres://"),
        ("DATABASE_URL", "postgres://host:notaport/buzz", "DATABASE_URL"),
        ("REDIS_URL", "http://127.0.0.1:6379", "is not a redis://"),
        ("ELASTICSEARCH_URL", "localhost:9200", "is not an http(s) URL"),
        ("DEBUG", "maybe", "is not a boolean"),
        ("TASKS_BACKEND", "celery", "choose one of immediate, database"),
    ],
)
def test_bad_setting_stops_start_with_one_clear_line(name, value, message):
    result = run_manage("check", **{name: value})
    assert result.returncode == 78
    assert "Buzz configuration error:" in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_production_without_secret_key_refuses_to_start():
    result = run_manage("check", DEBUG="false", ALLOWED_HOSTS="buzz.example.com")
    assert result.returncode == 78
    assert "SECRET_KEY must be set" in result.stderr


def test_check_deploy_passes_with_production_values():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="buzz.example.com",
        EMAIL_HOST="smtp.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_postgres_url_becomes_a_postgresql_database():
    os.environ["DATABASE_URL"], saved = (
        "postgres://buzz:pw@db.internal:5433/buzz",
        os.environ.get("DATABASE_URL"),
    )
    try:
        config = env.database_from_env("/tmp/unused.sqlite3")
    finally:
        if saved is None:
            del os.environ["DATABASE_URL"]
        else:
            os.environ["DATABASE_URL"] = saved
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 5433, "buzz")
    assert config["CONN_HEALTH_CHECKS"] is True


def test_postgres_connections_come_from_a_pool_unless_it_is_turned_off(monkeypatch):
    # Under daphne a request may run on any thread: CONN_MAX_AGE alone opened
    # (and kept) a connection per request; the pool reuses a few.
    monkeypatch.setenv("DATABASE_URL", "postgres://buzz@db.internal/buzz")
    monkeypatch.setenv("DATABASE_POOL_MAX_SIZE", "8")
    config = env.database_from_env("/tmp/unused.sqlite3")
    assert config["CONN_MAX_AGE"] == 0
    assert config["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 8, "timeout": 10}
    monkeypatch.setenv("DATABASE_POOL_MAX_SIZE", "0")
    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", "30")
    config = env.database_from_env("/tmp/unused.sqlite3")
    assert "pool" not in config.get("OPTIONS", {})
    assert config["CONN_MAX_AGE"] == 30


def test_no_database_url_means_a_sqlite_file_with_a_file_test_database(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = env.database_from_env("/srv/var/buzz.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/srv/var/buzz.sqlite3"
    assert config["TEST"]["NAME"] == "/srv/var/buzz-test.sqlite3"


def test_database_url_without_a_name_is_refused(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://db.internal:5432")
    with pytest.raises(ImproperlyConfigured, match="names no database"):
        env.database_from_env("/tmp/unused.sqlite3")


def test_lists_and_numbers_are_parsed_from_the_environment(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " buzz.example.com, ,wall.example.com ")
    monkeypatch.setenv("EMAIL_PORT", "2525")
    monkeypatch.setenv("SESSION_COOKIE_AGE", "soon")
    assert env.env_list("ALLOWED_HOSTS", []) == ["buzz.example.com", "wall.example.com"]
    assert env.env_int("EMAIL_PORT", 587) == 2525
    with pytest.raises(
        ImproperlyConfigured, match="SESSION_COOKIE_AGE='soon' is not a whole number"
    ):
        env.env_int("SESSION_COOKIE_AGE", 1)


def test_wagtail_page_search_follows_the_same_engine_choice():
    probe = (
        "from django.conf import settings; "
        "print(settings.WAGTAILSEARCH_BACKENDS['default']['BACKEND'], settings.SEARCH_BACKEND)"
    )
    embedded = run_manage("shell", "--no-imports", "-c", probe)
    assert embedded.stdout.split() == [
        "wagtail.search.backends.database",
        "search.backends.database.DatabaseBackend",
    ]
    with_es = run_manage(
        "shell", "--no-imports", "-c", probe, ELASTICSEARCH_URL="http://127.0.0.1:9200"
    )
    assert with_es.stdout.split() == [
        "wagtail.search.backends.elasticsearch8",
        "search.backends.elasticsearch.ElasticsearchBackend",
    ]


def test_postgres_sessions_run_without_jit(monkeypatch):
    # JIT spent ~300 ms compiling the people search's aggregate on every call.
    monkeypatch.setenv("DATABASE_URL", "postgres://buzz@db.internal/buzz")
    config = env.database_from_env("/tmp/unused.sqlite3")
    assert config["OPTIONS"]["options"] == "-c jit=off"


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"
)
@pytest.mark.django_db
def test_the_live_postgres_connection_has_jit_off():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
