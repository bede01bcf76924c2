"""`taskagent serve` and `taskagent migrate`, run as an operator runs them: the real CLI in a subprocess."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from taskagent.cli import openapi_document
from tests.conftest import TEST_SECRET, _admin, drop_postgres_database, require_service
from tests.services import POSTGRES_AVAILABLE, POSTGRES_URL

TASKAGENT = str(Path(sys.executable).parent / "taskagent")

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def cli_env(**values: str) -> dict[str, str]:
    """A clean environment: none of the developer's TaskAgent variables leak in."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root")}
    env.update(values)
    return env


def run_cli(
    *args: str, cwd: Path, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TASKAGENT, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@dataclass
class Running:
    process: subprocess.Popen[str]
    base_url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text()


def wait_until_healthy(running: Running, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            raise AssertionError(f"server exited with {running.process.returncode}:\n{running.log()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{running.base_url}/health", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"server not healthy within {seconds} s:\n{running.log()}")


def assert_stopped_gracefully(running: Running) -> None:
    # uvicorn finishes its shutdown, then re-raises the signal it caught: exit status -SIGTERM.
    assert running.process.returncode in (0, -signal.SIGTERM), running.log()
    assert "Finished server process" in running.log()


@contextlib.contextmanager
def serving(cwd: Path, env: dict[str, str], *args: str) -> Iterator[Running]:
    """`taskagent serve` on a free port until the block ends; then SIGTERM, and it must stop promptly."""
    port = free_port()
    log_path = cwd / f"serve-{port}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [TASKAGENT, "serve", "--port", str(port), *args],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    running = Running(process, f"http://127.0.0.1:{port}", log_path)
    try:
        wait_until_healthy(running)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                raise AssertionError(f"server ignored SIGTERM for 30 s:\n{running.log()}") from None


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    """A database of our own, created but never migrated."""
    require_service("PostgreSQL", POSTGRES_AVAILABLE)
    name = f"taskagent_cli_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    drop_postgres_database(url)


# --- PostgreSQL: migrating is explicit -----------------------------------------------------------------


def test_postgres_serve_refuses_an_unmigrated_schema_until_migrate(
    empty_postgres: str, tmp_path: Path
) -> None:
    env = cli_env(DATABASE_URL=f"{empty_postgres}?sslmode=disable", SECRET_KEY=TEST_SECRET)
    refused = run_cli("serve", "--port", str(free_port()), cwd=tmp_path, env=env)
    assert refused.returncode == 2
    assert "not up to date" in refused.stderr and "Run `taskagent migrate`" in refused.stderr
    assert "Traceback" not in refused.stderr

    migrated = run_cli("migrate", cwd=tmp_path, env=env)
    assert migrated.returncode == 0, migrated.stderr
    assert "Database migrated" in migrated.stdout
    assert run_cli("migrate", cwd=tmp_path, env=env).returncode == 0  # nothing pending: still fine

    with serving(tmp_path, env) as server:
        body = httpx.get(f"{server.base_url}/health").json()
        assert body["status"] == "ok" and body["database"] == "ok"
        signup = httpx.post(
            f"{server.base_url}/users/signup",
            json={"email": "cli@example.com", "password": "correct horse battery"},
        )
        assert signup.status_code == 201, signup.text
    assert_stopped_gracefully(server)


def test_unreachable_database_is_a_clear_message(tmp_path: Path) -> None:
    env = cli_env(
        DATABASE_URL=f"postgresql://postgres:hunter2@127.0.0.1:{free_port()}/x", SECRET_KEY=TEST_SECRET
    )
    for command in (["serve", "--port", str(free_port())], ["migrate"]):
        result = run_cli(*command, cwd=tmp_path, env=env)
        assert result.returncode == 2
        assert "cannot use the PostgreSQL database 'x' at 127.0.0.1" in result.stderr
        assert "hunter2" not in result.stderr and "Traceback" not in result.stderr


# --- SQLite: a trial needs no extra step ---------------------------------------------------------------


def test_sqlite_serve_migrates_itself_and_keeps_a_development_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = cli_env(TASKAGENT_DATA_DIR=str(data_dir))
    with serving(tmp_path, env) as server:
        assert (data_dir / "taskagent.db").exists()
        key_file = data_dir / "secret_key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        first_key = key_file.read_text()
        email, password = "trial@example.com", "correct horse battery"
        assert httpx.post(
            f"{server.base_url}/users/signup", json={"email": email, "password": password}
        ).is_success
        token = httpx.post(f"{server.base_url}/token", data={"username": email, "password": password}).json()
    # A restart keeps the key: tokens issued before it still work after it.
    with serving(tmp_path, env) as server:
        me = httpx.get(
            f"{server.base_url}/users/me", headers={"Authorization": f"Bearer {token['access_token']}"}
        )
        assert me.status_code == 200 and me.json()["email"] == email
    assert key_file.read_text() == first_key


def test_production_without_secret_key_refuses_to_start(tmp_path: Path) -> None:
    env = cli_env(TASKAGENT_ENV="production", TASKAGENT_DATA_DIR=str(tmp_path / "data"))
    result = run_cli("serve", "--port", str(free_port()), cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "SECRET_KEY must be set when TASKAGENT_ENV=production" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data" / "secret_key").exists()


def test_invalid_configuration_and_arguments_are_reported(tmp_path: Path) -> None:
    bad = run_cli("serve", cwd=tmp_path, env=cli_env(TASKAGENT_MODEL="gpt-4o"))
    assert bad.returncode == 2 and "invalid configuration" in bad.stderr and "TASKAGENT_MODEL" in bad.stderr
    workers = run_cli("serve", "--workers", "0", cwd=tmp_path, env=cli_env())
    assert workers.returncode == 2 and "--workers must be at least 1" in workers.stderr


def test_sqlalchemys_async_sqlite_url_with_an_absolute_path_serves_from_that_file(tmp_path: Path) -> None:
    database = tmp_path / "elsewhere" / "tasks.db"
    database.parent.mkdir()
    env = cli_env(
        DATABASE_URL=f"sqlite+aiosqlite:///{database}",  # four slashes: an absolute path
        TASKAGENT_DATA_DIR=str(tmp_path / "data"),
        SECRET_KEY=TEST_SECRET,
    )
    with serving(tmp_path, env) as server:
        signup = httpx.post(
            f"{server.base_url}/users/signup",
            json={"email": "abs@example.com", "password": "correct horse battery"},
        )
        assert signup.status_code == 201, signup.text
    assert database.stat().st_size > 0  # that file, not a relative path made of it
    assert not (tmp_path / str(database).lstrip("/")).exists()
    assert_stopped_gracefully(server)


def test_an_unsupported_database_url_is_one_line_naming_the_forms_that_work(tmp_path: Path) -> None:
    env = cli_env(DATABASE_URL="mysql://root:hunter2@127.0.0.1/app", SECRET_KEY=TEST_SECRET)
    for command in (["serve", "--port", str(free_port())], ["migrate"]):
        result = run_cli(*command, cwd=tmp_path, env=env)
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip().splitlines() == [result.stderr.strip()]
        assert "mysql:// is unsupported" in result.stderr and "postgresql://" in result.stderr
        assert "sqlite:////absolute/path.db" in result.stderr
        assert "hunter2" not in result.stderr and "Traceback" not in result.stderr


def test_openapi_prints_the_document_whatever_the_environment_says(tmp_path: Path) -> None:
    # METRICS_TOKEN would add /metrics; production without SECRET_KEY refuses to serve. Neither matters here.
    (tmp_path / ".env").write_text("TASKAGENT_ENV=production\nTASKAGENT_DATA_DIR=d\n")
    env = cli_env(METRICS_TOKEN="a-metrics-token-that-is-long-enough")
    result = run_cli("openapi", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == openapi_document()
    document = json.loads(result.stdout)
    assert document["info"]["title"] == "TaskAgent" and "/tasks" in document["paths"]
    assert "/metrics" not in document["paths"]
    assert list(document) == sorted(document)
    assert not (tmp_path / "d").exists() and not (tmp_path / "data").exists()


def test_dotenv_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"TASKAGENT_ENV=production\nSECRET_KEY={TEST_SECRET}\nTASKAGENT_DATA_DIR=d\n"
    )
    with serving(tmp_path, cli_env()) as server:
        assert httpx.get(f"{server.base_url}/health").status_code == 200
    assert (tmp_path / "d" / "taskagent.db").exists()
    assert not (tmp_path / "d" / "secret_key").exists()


def test_sigterm_stops_a_server_with_an_open_connection(tmp_path: Path) -> None:
    env = cli_env(TASKAGENT_DATA_DIR=str(tmp_path / "data"))
    # An idle keep-alive connection must not hold shutdown open.
    with serving(tmp_path, env) as server, httpx.Client(base_url=server.base_url) as http:
        assert http.get("/health").status_code == 200
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=20)
    assert time.monotonic() - started < 15
    assert_stopped_gracefully(server)
