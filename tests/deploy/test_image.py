"""The container image: built from the Containerfile (on local base images: no registry is reachable
here), migrated and served against the local PostgreSQL and Redis with host networking, used over HTTP.

Runs when podman is installed (`make test` installs it as root with apt); otherwise it says it is skipped,
and with CI=true a missing podman fails. The first build takes minutes (debootstrap, npm ci, uv sync);
later ones reuse the cached base and podman's layers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import TEST_SECRET, drop_postgres_database, new_postgres_database, require_service
from tests.services import IN_CI, POSTGRES_AVAILABLE
from tests.test_cli import free_port

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "localhost/taskagent:test"
METRICS_TOKEN = "image-test-metrics-token-0123456789"
ENV = {**os.environ, "CONTAINERS_CONF": str(ROOT / "tests" / "deploy" / "containers.conf")}
BUILD_SECONDS = 1800
# Start-up takes ~2 s on an idle machine; on this shared one, under load, up to a minute was seen.
STARTUP_SECONDS = 300


def podman(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", *args], env=ENV, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def image() -> str:
    missing = [tool for tool in ("podman", "runc", "debootstrap") if shutil.which(tool) is None]
    if missing:
        message = f"the image test needs {', '.join(missing)} (apt-get install podman runc debootstrap)"
        if IN_CI:
            pytest.fail(f"{message} and CI=true")
        pytest.skip(f"{message}: skipped")
    started = time.monotonic()
    build = subprocess.run(
        ["make", "-s", "image-local", f"IMAGE={IMAGE}"],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=BUILD_SECONDS,
        check=False,
    )
    assert build.returncode == 0, build.stdout[-5000:] + build.stderr[-5000:]
    print(f"image built in {time.monotonic() - started:.0f} s")  # noqa: T201 - shown with -s
    return IMAGE


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    require_service("PostgreSQL", POSTGRES_AVAILABLE)
    url = new_postgres_database(migrated=False)
    yield url
    drop_postgres_database(url)


def run_in_image(image: str, env: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    options = [arg for name, value in env.items() for arg in ("-e", f"{name}={value}")]
    return podman("run", "--rm", "--network", "host", *options, image, *command, timeout=300)


def test_the_image_migrates_serves_and_keeps_tasks(image: str, empty_postgres: str, redis_url: str) -> None:
    user = podman("image", "inspect", "--format", "{{.Config.User}}", image)
    assert user.stdout.strip() == "taskagent", user.stderr
    assert run_in_image(image, {}, "id", "-u").stdout.strip() == "10001"

    env = {
        "DATABASE_URL": empty_postgres,
        "REDIS_URL": redis_url,
        "RATE_LIMIT_KEY_PREFIX": f"taskagent-image-test-{uuid.uuid4().hex}",
        "SECRET_KEY": TEST_SECRET,
        "TASKAGENT_ENV": "production",
        "METRICS_TOKEN": METRICS_TOKEN,
    }
    refused = run_in_image(image, env, "taskagent", "serve")
    assert refused.returncode != 0 and "taskagent migrate" in refused.stderr, refused.stderr
    migrated = run_in_image(image, env, "taskagent", "migrate")
    assert migrated.returncode == 0, migrated.stderr

    port = free_port()
    name = f"taskagent-test-{uuid.uuid4().hex[:8]}"
    options = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
    started = podman(
        "run", "-d", "--name", name, "--network", "host", *options, image,
        "taskagent", "serve", "--host", "127.0.0.1", "--port", str(port),
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        health: httpx.Response | None = None
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"{base}/health", timeout=2)
                if health.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        logs = podman("logs", name)
        assert health is not None and health.status_code == 200, logs.stdout + logs.stderr
        assert health.json()["database"] == "ok"

        credentials = {"email": "image@example.com", "password": "a long enough password"}
        assert httpx.post(f"{base}/users/signup", json=credentials).status_code == 201
        token = httpx.post(
            f"{base}/token",
            data={"username": credentials["email"], "password": credentials["password"]},
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        created = httpx.post(f"{base}/tasks", json={"title": "Ship the image"}, headers=auth)
        assert created.status_code == 201, created.text
        read = httpx.get(f"{base}/tasks/{created.json()['id']}", headers=auth)
        assert read.status_code == 200 and read.json()["title"] == "Ship the image"
        request_id = read.headers["x-request-id"]

        page = httpx.get(f"{base}/app")
        assert page.status_code == 200 and '<div id="root">' in page.text  # the web page is in the image

        metrics = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert metrics.status_code == 200
        names = {family.name for family in text_string_to_metric_families(metrics.text)}
        assert "taskagent_http_requests" in names

        log = podman("logs", name).stdout
        assert f'"request_id": "{request_id}"' in log, log
        assert credentials["password"] not in log and token not in log
    finally:
        podman("rm", "-f", "-t", "5", name)
