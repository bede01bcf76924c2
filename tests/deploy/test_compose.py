"""compose.yaml, read as compose reads it (no compose tool on this machine): the order of start-up and
the health checks it promises. The image it builds is exercised by test_image.py."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML comes with schemathesis (dev); no stubs

COMPOSE = Path(__file__).resolve().parents[2] / "compose.yaml"


def services() -> dict[str, Any]:
    found: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())["services"]
    return found


def default(value: str) -> int:
    """The default of a `${NAME:-default}` setting."""
    found = re.search(r":-(\d+)\}", value)
    assert found, value
    return int(found.group(1))


def test_migrations_run_once_before_the_app_starts() -> None:
    found = services()
    migrate, app = found["migrate"], found["app"]
    assert migrate["command"] == ["taskagent", "migrate"] and migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert app["depends_on"]["redis"]["condition"] == "service_healthy"
    assert migrate["build"] == app["build"] == "." and migrate["image"] == app["image"]


def test_several_workers_within_the_databases_connections() -> None:
    app = services()["app"]
    workers = default(next(arg for arg in app["command"] if arg.startswith("--workers=")))
    assert workers > 1
    pool = default(app["environment"]["DB_POOL_SIZE"])
    assert workers * pool < 100  # PostgreSQL's default max_connections
    assert app["environment"]["REDIS_URL"].startswith("redis://redis:")
    # The metrics folder sits on a tmpfs, so every start begins with an empty one.
    metrics_dir = Path(app["environment"]["PROMETHEUS_MULTIPROC_DIR"])
    assert any(metrics_dir.is_relative_to(mount) for mount in app["tmpfs"])


def test_every_long_running_service_has_a_health_check() -> None:
    for name in ("postgres", "redis", "app"):
        assert services()[name]["healthcheck"]["test"], name
    assert "/health" in " ".join(services()["app"]["healthcheck"]["test"])
