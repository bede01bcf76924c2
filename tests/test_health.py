from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from taskagent import __version__
from taskagent import health as health_module
from taskagent.app import create_app
from taskagent.config import to_async_url
from taskagent.health import DATABASE_CHECK_SECONDS
from tests.conftest import (
    UserHandle,
    build_settings,
    drop_postgres_database,
    new_postgres_database,
    require_service,
)
from tests.services import POSTGRES_AVAILABLE, POSTGRES_URL


async def test_health_reports_database_and_version(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["version"]


async def test_task_round_trip(client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle) -> None:
    created = await client.post(
        "/tasks", json={"title": "  Review Q4  ", "tags": ["a", "a"]}, headers=alice.headers
    )
    assert created.status_code == 201, created.text
    task = created.json()
    assert task["title"] == "Review Q4" and task["tags"] == ["a"]
    assert created.headers["location"] == f"/tasks/{task['id']}"
    listed = await client.get("/tasks", params={"tag": "a"}, headers=alice.headers)
    assert [t["id"] for t in listed.json()] == [task["id"]]
    assert (await client.get(f"/tasks/{task['id']}", headers=bob.headers)).status_code == 404


# --- the database going away -------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextlib.asynccontextmanager
async def _client_for(database_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(build_settings(database_url, tmp_path / "data"))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


async def test_health_is_503_when_the_database_port_is_closed(tmp_path: Path) -> None:
    async with _client_for(f"postgresql://postgres@127.0.0.1:{_closed_port()}/nowhere", tmp_path) as http:
        started = time.perf_counter()
        response = await http.get("/health")
        assert time.perf_counter() - started < DATABASE_CHECK_SECONDS + 1
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "unreachable",
        "version": __version__,
        "reminders_backlog": None,  # reminders are off in tests' apps
        "webhooks_backlog": None,  # and so is webhook sending
    }


async def test_health_is_503_when_the_sqlite_file_cannot_be_opened(tmp_path: Path) -> None:
    async with _client_for(f"sqlite:///{tmp_path}/missing-folder/taskagent.db", tmp_path) as http:
        response = await http.get("/health")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


@pytest.fixture
def own_postgres() -> Iterator[str]:
    require_service("PostgreSQL", POSTGRES_AVAILABLE)
    url = new_postgres_database()
    yield url
    drop_postgres_database(url)


async def test_health_goes_503_when_the_database_is_dropped(own_postgres: str, tmp_path: Path) -> None:
    async with _client_for(own_postgres, tmp_path) as http:
        assert (await http.get("/health")).status_code == 200
        await asyncio.to_thread(drop_postgres_database, own_postgres)
        response = await http.get("/health")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


async def _terminate_connections(database: str) -> int:
    engine = create_async_engine(to_async_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                text(
                    # With a timeout it returns once the backend has exited, as after a real restart;
                    # without one a connection could still answer the pool's ping and die just after.
                    "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": database},
            )
            return int(result.scalar_one())
    finally:
        await engine.dispose()


async def test_a_database_restart_costs_no_request_after_it(own_postgres: str, tmp_path: Path) -> None:
    """Every pooled connection dies (as in a server restart); the next requests all succeed (pre-ping)."""
    async with _client_for(own_postgres, tmp_path) as http:
        signup = await http.post(
            "/users/signup", json={"email": "r@example.com", "password": "correct horse battery"}
        )
        assert signup.status_code == 201
        token = (
            await http.post("/token", data={"username": "r@example.com", "password": "correct horse battery"})
        ).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        # Fill the pool with several idle connections.
        created = await asyncio.gather(
            *(http.post("/tasks", json={"title": f"t{n}"}, headers=headers) for n in range(8))
        )
        assert {r.status_code for r in created} == {201}
        assert await _terminate_connections(own_postgres.rsplit("/", 1)[1]) >= 1
        after = await asyncio.gather(
            http.get("/health"), *(http.get(r.headers["location"], headers=headers) for r in created)
        )
        assert [r.status_code for r in after] == [200] * 9


async def test_concurrent_probes_share_one_database_check(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0
    real = health_module._database_ok

    async def counting(engine: AsyncEngine) -> bool:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return await real(engine)

    monkeypatch.setattr(health_module, "_database_ok", counting)
    responses = await asyncio.gather(*(client.get("/health") for _ in range(64)))
    assert {r.status_code for r in responses} == {200}
    assert calls < 8  # 64 requests, a handful of checks
    await client.get("/health")
    assert calls >= 2  # a later request makes a check of its own: answers are never cached
