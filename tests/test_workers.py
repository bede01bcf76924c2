"""Two worker processes, one port, one PostgreSQL database and one Redis: the login limit holds across both.

Which worker answered is read from the access log, where every line carries the worker's pid
(`cli.log_config`), so the server needs no debugging header.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_SECRET, drop_postgres_database, new_postgres_database, require_service
from tests.services import POSTGRES_AVAILABLE
from tests.test_cli import Running, assert_stopped_gracefully, cli_env, serving

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

BURSTS = 6
ACCESS_LINE = re.compile(r'\[(\d+)\] [\d.]+:\d+ - "(\w+) (\S+) HTTP/1.1" (\d{3})')


@pytest.fixture
def own_postgres() -> Iterator[str]:
    require_service("PostgreSQL", POSTGRES_AVAILABLE)
    url = new_postgres_database()
    yield url
    drop_postgres_database(url)


def wait_for_workers(server: Running, count: int, seconds: float = 120) -> set[str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pids = set(re.findall(r"\[(\d+)\] uvicorn\.error: Application startup complete", server.log()))
        if len(pids) >= count:
            return pids
        time.sleep(0.2)
    raise AssertionError(f"{count} workers did not start:\n{server.log()}")


def served(server: Running, method: str, path: str) -> list[tuple[str, int]]:
    """(worker pid, status) for each logged request."""
    return [
        (pid, int(status))
        for pid, m, p, status in ACCESS_LINE.findall(server.log())
        if m == method and p == path
    ]


async def _login_on_own_connection(base_url: str, email: str, password: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        return await http.post("/token", data={"username": email, "password": password})


async def _burst(base_url: str, email: str, password: str, count: int) -> list[httpx.Response]:
    return await asyncio.gather(*(_login_on_own_connection(base_url, email, password) for _ in range(count)))


def test_two_workers_share_one_login_budget_through_redis(
    own_postgres: str, redis_url: str, tmp_path: Path
) -> None:
    env = cli_env(
        DATABASE_URL=own_postgres,
        REDIS_URL=redis_url,
        RATE_LIMIT_KEY_PREFIX=f"taskagent-workers-test-{uuid.uuid4().hex}",
        SECRET_KEY=TEST_SECRET,
        TASKAGENT_DATA_DIR=str(tmp_path / "data"),
    )
    email, password = "workers@example.com", "correct horse battery"
    with serving(tmp_path, env, "--workers", "2") as server:
        workers = wait_for_workers(server, 2)
        signup = httpx.post(f"{server.base_url}/users/signup", json={"email": email, "password": password})
        assert signup.status_code == 201, signup.text

        # Which worker accepts a connection is the kernel's choice: bursts go on until both have answered
        # (one burst sometimes lands on one worker only), all within one 60 s window of the limit.
        responses: list[httpx.Response] = []
        for _ in range(BURSTS):
            responses += asyncio.run(_burst(server.base_url, email, password, 16))
            time.sleep(0.5)  # let the last access-log lines reach the file
            if {pid for pid, _ in served(server, "POST", "/token")} == workers:
                break
        statuses = Counter(r.status_code for r in responses)
        # One budget of 5 for both: counted per worker, the second worker would have let its own logins in.
        assert statuses == {200: 5, 429: len(responses) - 5}, statuses
        for response in responses:
            assert response.headers["RateLimit-Policy"] == '"token";q=5;w=60'
        for refused in (r for r in responses if r.status_code == 429):
            assert refused.headers["RateLimit"].startswith('"token";r=0;t=')
            assert int(refused.headers["Retry-After"]) >= 1

        logged = served(server, "POST", "/token")
        assert len(logged) == len(responses), server.log()
        by_worker = Counter(pid for pid, _ in logged)
        assert set(by_worker) == workers, f"both workers must have answered logins: {by_worker}"
        assert sum(1 for _, status in logged if status == 200) == 5
    assert_stopped_gracefully(server)


async def _ask_for_help_on_own_connection(base_url: str, token: str, task_id: int) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as http:
        return await http.post(
            f"/tasks/{task_id}/help",
            json={"query": "When should I do this?"},
            headers={"Authorization": f"Bearer {token}"},
        )


def test_two_workers_share_one_monthly_quota_through_the_database(
    own_postgres: str, redis_url: str, tmp_path: Path
) -> None:
    quota = 4
    env = cli_env(
        DATABASE_URL=own_postgres,
        REDIS_URL=redis_url,
        RATE_LIMIT_KEY_PREFIX=f"taskagent-workers-test-{uuid.uuid4().hex}",
        SECRET_KEY=TEST_SECRET,
        TASKAGENT_DATA_DIR=str(tmp_path / "data"),
        AGENT_MONTHLY_RUNS=str(quota),
        AGENT_RATE_LIMIT="1000",
    )
    email, password = "quota@example.com", "correct horse battery"
    with serving(tmp_path, env, "--workers", "2") as server:
        workers = wait_for_workers(server, 2)
        base = server.base_url
        assert (
            httpx.post(f"{base}/users/signup", json={"email": email, "password": password}).status_code == 201
        )
        token = httpx.post(f"{base}/token", data={"username": email, "password": password}).json()[
            "access_token"
        ]
        task = httpx.post(
            f"{base}/tasks", json={"title": "File taxes"}, headers={"Authorization": f"Bearer {token}"}
        )
        path = f"/tasks/{task.json()['id']}/help"

        async def burst() -> list[httpx.Response]:
            return await asyncio.gather(
                *(_ask_for_help_on_own_connection(base, token, task.json()["id"]) for _ in range(8))
            )

        responses: list[httpx.Response] = []
        for _ in range(BURSTS):  # until both workers have answered (the kernel picks who accepts)
            responses += asyncio.run(burst())
            time.sleep(0.5)
            if {pid for pid, _ in served(server, "POST", path)} == workers:
                break
        statuses = Counter(r.status_code for r in responses)
        # One plan for both workers: exactly the quota's runs, however the requests were spread.
        assert statuses == {200: quota, 429: len(responses) - quota}, statuses
        for refused in (r for r in responses if r.status_code == 429):
            assert refused.json()["limit"] == "runs" and "resets_at" in refused.json(), refused.text
        assert set(Counter(pid for pid, _ in served(server, "POST", path))) == workers, server.log()
        usage = httpx.get(f"{base}/users/me/usage", headers={"Authorization": f"Bearer {token}"}).json()
        assert usage["runs"] == quota, usage
    assert_stopped_gracefully(server)
