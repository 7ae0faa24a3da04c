"""docker-compose.yml describes the scale-out stack correctly (read as data: no
Docker engine is needed, none runs here)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parents[2]
COMPOSE_FILE = BASE_DIR / "docker-compose.yml"

ONE_SHOT = "service_completed_successfully"
ALLOWED_CONDITIONS = {"service_healthy", ONE_SHOT}
DEFAULT_APP_COMMAND = ["daphne", "-b", "0.0.0.0", "-p", "8000", "asgi:application"]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict[str, Any]]:
    return compose["services"]


def command_of(service: dict[str, Any]) -> list[str]:
    command = service.get("command")
    if command is None:
        return DEFAULT_APP_COMMAND if "build" in service else []
    return command.split() if isinstance(command, str) else [str(part) for part in command]


def daphne_services(services) -> list[str]:
    return [name for name, service in services.items() if command_of(service)[:1] == ["daphne"]]


def one_shot_services(services) -> set[str]:
    """Services others wait for to finish (the migration), not to be healthy."""
    return {
        dependency
        for service in services.values()
        for dependency, rule in (service.get("depends_on") or {}).items()
        if isinstance(rule, dict) and rule.get("condition") == ONE_SHOT
    }


def environment_of(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(item.split("=", 1) for item in environment)
    return {key: str(value) for key, value in environment.items()}


def volume_sources(service: dict[str, Any]) -> dict[str, str]:
    """Mount target -> source, for the short volume syntax used in the file."""
    mounts = {}
    for volume in service.get("volumes") or []:
        source, target = volume.split(":")[:2]
        mounts[target] = source
    return mounts


def nginx_config_path(services) -> Path:
    mounts = volume_sources(services["nginx"])
    return BASE_DIR / mounts["/etc/nginx/nginx.conf"]


def test_compose_file_parses_into_services(compose):
    assert isinstance(compose, dict)
    assert isinstance(compose.get("services"), dict)
    assert compose["services"]


def test_every_service_has_an_image_or_a_build(services):
    missing = [
        name for name, service in services.items() if not ("image" in service or "build" in service)
    ]
    assert missing == []


def test_stack_runs_every_engine_and_process_the_app_needs(services):
    for name in ("postgres", "redis", "elasticsearch", "migrate", "worker", "nginx"):
        assert name in services, name
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    # deploy/nginx.conf re-resolves upstreams with `resolve`: nginx >= 1.27.3.
    nginx_version = tuple(int(n) for n in services["nginx"]["image"].split(":")[1].split("."))
    assert nginx_version >= (1, 27, 3) or nginx_version[:2] >= (1, 28)
    assert command_of(services["worker"]) == ["python", "manage.py", "db_worker"]
    # The search outbox is retried by its own process, so a down index catches up.
    assert command_of(services["indexer"])[:4] == [
        "python",
        "manage.py",
        "search_drain",
        "--forever",
    ]


def test_at_least_two_daphne_workers_serve_the_app(services):
    workers = daphne_services(services)
    assert len(workers) >= 2, workers
    for name in workers:
        assert "asgi:application" in command_of(services[name])
        assert "build" in services[name]


def test_every_long_running_service_has_a_healthcheck(services):
    long_running = set(services) - one_shot_services(services)
    assert long_running >= {"postgres", "redis", "elasticsearch", "worker", "nginx"}
    for name in sorted(long_running):
        check = services[name].get("healthcheck")
        assert check, f"{name} has no healthcheck"
        assert not check.get("disable"), name
        assert check["test"][0] in {"CMD", "CMD-SHELL"}, name


def test_web_workers_are_checked_through_healthz(services):
    for name in daphne_services(services):
        probe = " ".join(services[name]["healthcheck"]["test"])
        assert "/healthz" in probe, name


def test_migration_runs_once_before_the_app_starts(services):
    migrate = command_of(services["migrate"])
    assert "migrate --no-input" in " ".join(migrate)
    assert services["migrate"].get("restart") == "no"
    for name in [*daphne_services(services), "worker"]:
        assert services[name]["depends_on"]["migrate"]["condition"] == ONE_SHOT, name


def test_services_wait_for_their_dependencies_to_be_healthy(services):
    for name, service in services.items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            assert isinstance(rule, dict), f"{name} -> {dependency} has no condition"
            assert rule.get("condition") in ALLOWED_CONDITIONS, f"{name} -> {dependency}"
    for name in [*daphne_services(services), "worker", "migrate"]:
        for engine in ("postgres", "redis", "elasticsearch"):
            condition = services[name]["depends_on"][engine]["condition"]
            assert condition == "service_healthy", f"{name} -> {engine}"


def test_elasticsearch_is_a_pinned_8x_single_node(services):
    elasticsearch = services["elasticsearch"]
    assert re.fullmatch(
        r"docker\.elastic\.co/elasticsearch/elasticsearch:8\.\d+\.\d+", elasticsearch["image"]
    )
    environment = environment_of(elasticsearch)
    assert environment["discovery.type"] == "single-node"
    assert "-Xmx1g" in environment["ES_JAVA_OPTS"]
    assert "_cluster/health" in " ".join(elasticsearch["healthcheck"]["test"])


@pytest.mark.parametrize("name", ["SECRET_KEY", "POSTGRES_PASSWORD"])
def test_secrets_come_from_the_environment_never_from_the_file(compose, name):
    reference = re.compile(r"\$\{" + name + r":\?[^}]+\}")
    seen = 0
    for service in [compose["x-buzz-env"], *compose["services"].values()]:
        environment = service if service is compose["x-buzz-env"] else environment_of(service)
        if name in environment:
            seen += 1
            assert reference.fullmatch(str(environment[name])), environment[name]
    assert seen
    # The database password reaches the app only inside DATABASE_URL, also by reference.
    assert "${POSTGRES_PASSWORD:?" in compose["x-buzz-env"]["DATABASE_URL"]


def test_app_containers_share_the_production_settings(compose, services):
    shared = compose["x-buzz-env"]
    assert shared["DEBUG"] == "false"
    assert shared["SECURE_SSL_REDIRECT"] == "false"
    assert shared["TASKS_BACKEND"] == "database"
    assert shared["DATABASE_URL"].startswith("postgres://")
    assert shared["REDIS_URL"].startswith("redis://redis:")
    assert shared["ELASTICSEARCH_URL"].startswith("http://elasticsearch:")
    for key in ("ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS"):
        assert key in shared
    app_services = [name for name, service in services.items() if "build" in service]
    assert set(app_services) >= {"migrate", "worker", *daphne_services(services)}
    for name in app_services:
        environment = environment_of(services[name])
        for key, value in shared.items():
            assert environment.get(key) == str(value), f"{name}: {key}"


def test_web_and_worker_share_one_media_volume(compose, services):
    media_root = compose["x-buzz-env"]["MEDIA_ROOT"]
    sources = {
        volume_sources(services[name]).get(media_root)
        for name in [*daphne_services(services), "worker"]
    }
    assert len(sources) == 1
    (source,) = sources
    assert source in compose["volumes"]


def test_nginx_publishes_port_8000_with_the_repository_config(services):
    nginx = services["nginx"]
    assert any(str(port).endswith(":8000") for port in nginx["ports"])
    assert nginx_config_path(services).is_file()
    for name in daphne_services(services):
        assert nginx["depends_on"][name]["condition"] == "service_healthy"


def test_nginx_balances_every_daphne_worker_and_upgrades_websockets(services):
    config = nginx_config_path(services).read_text()
    assert re.search(r"upstream\s+\w+\s*\{", config)
    for name in daphne_services(services):
        assert re.search(rf"server\s+{name}:8000\b", config), name
    assert "proxy_set_header Upgrade $http_upgrade;" in config
    assert "proxy_set_header Connection $connection_upgrade;" in config
    assert "location /ws/" in config
    assert "X-Forwarded-Proto" in config
    assert "client_max_body_size 20m;" in config
    assert "listen 8000" in config


def test_shell_dollars_in_commands_are_escaped_for_compose(services):
    """Compose interpolates `$...` itself: a shell `$` must be written `$$`."""
    bare_dollar = re.compile(r"(?<!\$)\$(?![{$])")
    for name, service in services.items():
        command = " ".join(command_of(service))
        stripped = command.replace("$$", "")
        assert not bare_dollar.search(stripped), (name, command)
