"""PostgreSQL goes away while requests run, then comes back: the same app object recovers by itself.

The test owns a database. While four clients read and write tasks, it kills every server connection of that
database (`pg_terminate_backend`) and refuses new ones (`ALLOW_CONNECTIONS false`) for a few seconds, then
allows them again, as a restart or a fail-over does. Requests may fail during the outage only; every request
that starts once the database is back succeeds; `/health` says 503 during and 200 after; no task reported
as created is missing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from taskagent.app import create_app
from taskagent.auth import tokens
from taskagent.auth.models import User
from taskagent.config import Settings, to_async_url
from taskagent.db import create_session_factory, session_scope
from taskagent.resources import app_resources
from tests.conftest import (
    build_settings,
    drop_postgres_database,
    new_postgres_database,
    require_service,
)
from tests.services import POSTGRES_AVAILABLE, POSTGRES_URL

pytestmark = pytest.mark.postgres

OUTAGE_SECONDS = 3.0
CLIENTS = 4


@dataclass(frozen=True)
class Outcome:
    started: float
    ended: float
    method: str
    status: int | str  # an HTTP status, or the exception a request raised
    task_id: int | None = None

    @property
    def ok(self) -> bool:
        return isinstance(self.status, int) and self.status < 400


@pytest.fixture
def own_database() -> Iterator[str]:
    require_service("PostgreSQL", POSTGRES_AVAILABLE)
    url = new_postgres_database()
    yield url
    drop_postgres_database(url)


@pytest.fixture
async def admin() -> AsyncIterator[AsyncEngine]:
    """A superuser connection to another database of the server, which the outage leaves alone."""
    engine = create_async_engine(to_async_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    yield engine
    await engine.dispose()


async def _signed_in(app: FastAPI, settings: Settings, email: str) -> dict[str, str]:
    """The headers of a new user (made directly: no signup, no hashing)."""
    async with session_scope(create_session_factory(app_resources(app).engine)) as session:
        user = User(email=email, password_hash="x", timezone="UTC")
        session.add(user)
        await session.flush()
        user_id = user.id
    return {"Authorization": f"Bearer {tokens.issue(settings, user_id).token}"}


def _client(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=30)


async def _execute(engine: AsyncEngine, statement: str) -> None:
    async with engine.connect() as connection:
        await connection.execute(text(statement))


async def _count(engine: AsyncEngine, statement: str) -> int:
    async with engine.connect() as connection:
        value: int = (await connection.execute(text(statement))).scalar_one()
    return value


async def test_requests_fail_during_a_postgres_outage_only(
    own_database: str, admin: AsyncEngine, tmp_path: Path
) -> None:
    name = own_database.rsplit("/", 1)[1]
    settings = build_settings(own_database, tmp_path / "data")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        engine_before = app_resources(app).engine
        headers = await _signed_in(app, settings, "outage@example.com")
        async with _client(app) as client:
            outcomes: list[Outcome] = []
            stop = asyncio.Event()
            first = await client.post("/tasks", json={"title": "the first"}, headers=headers)
            last_created = [first.json()["id"]] * CLIENTS

            async def client_loop(number: int) -> None:
                count = 0
                while not stop.is_set():
                    count += 1
                    started = time.monotonic()
                    method = ("POST", "GET", "GET one")[count % 3]
                    task_id = None
                    try:
                        if method == "POST":
                            response = await client.post(
                                "/tasks", json={"title": f"client {number} #{count}"}, headers=headers
                            )
                            if response.status_code == 201:
                                task_id = last_created[number] = response.json()["id"]
                        elif method == "GET":
                            response = await client.get("/tasks", params={"limit": 5}, headers=headers)
                        else:  # the direct read (no session) of GET /tasks/{id}
                            response = await client.get(f"/tasks/{last_created[number]}", headers=headers)
                        status: int | str = response.status_code
                    except Exception as exc:  # a transport-level failure is a failed request too
                        status = repr(exc)
                    outcomes.append(Outcome(started, time.monotonic(), method, status, task_id))
                    await asyncio.sleep(0.01)

            clients = [asyncio.create_task(client_loop(number)) for number in range(CLIENTS)]
            await asyncio.sleep(1.0)
            assert (await client.get("/health")).status_code == 200

            outage_started = time.monotonic()
            await _execute(admin, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            await _execute(
                admin,
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "  # noqa: S608 - our own name
                f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
            )
            await asyncio.sleep(0.5)
            during = await client.get("/health")
            refused = await client.get("/tasks", headers=headers)
            await asyncio.sleep(OUTAGE_SECONDS - 0.5)
            await _execute(admin, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            recovered = time.monotonic()

            after = await client.get("/health")
            await asyncio.sleep(2.0)  # the clients keep going on the recovered database
            stop.set()
            await asyncio.gather(*clients)

            assert during.status_code == 503, during.text
            assert during.json()["database"] == "unreachable"
            assert refused.status_code == 503, refused.text
            assert refused.headers["retry-after"] and "database" in refused.json()["detail"]
            assert after.status_code == 200, after.text
            assert app_resources(app).engine is engine_before  # the same app and pool, nothing restarted

            before_outage = [o for o in outcomes if o.ended < outage_started]
            in_outage = [o for o in outcomes if outage_started <= o.started < recovered]
            after_recovery = [o for o in outcomes if o.started >= recovered]
            assert before_outage and all(o.ok for o in before_outage), before_outage
            failed = [o for o in outcomes if not o.ok]
            assert failed, "no request failed: the outage did not happen"
            late = [(o.started - recovered, o.method, o.status) for o in failed if o.started >= recovered]
            assert all(o.ended >= outage_started for o in failed) and not late, late
            assert len(after_recovery) > 20 and all(o.ok for o in after_recovery)
            # While the database is away the answer is a clear 503, never a bare 500 or a dropped request.
            assert {o.status for o in in_outage if not o.ok} <= {503}, {o.status for o in failed}

            # Nothing reported as created was lost.
            created = [o.task_id for o in outcomes if o.task_id is not None]
            listed = await client.get("/tasks", params={"limit": 200}, headers=headers)
            ids = {task["id"] for task in listed.json()}
            while "link" in listed.headers:
                next_url = listed.headers["link"].split(";")[0].strip("<>")
                listed = await client.get(next_url, headers=headers)
                ids |= {task["id"] for task in listed.json()}
            assert set(created) <= ids


async def test_connections_closed_by_the_server_cost_no_request(
    own_database: str, admin: AsyncEngine, tmp_path: Path
) -> None:
    """Pooled connections a moment old are not pinged before use; those the server closed are still
    never handed to a request (asyncpg knows the socket closed)."""
    name = own_database.rsplit("/", 1)[1]
    settings = build_settings(own_database, tmp_path / "data")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        headers = await _signed_in(app, settings, "closed@example.com")
        async with _client(app) as client:
            created = await client.post("/tasks", json={"title": "still here"}, headers=headers)
            assert created.status_code == 201, created.text
            task_path = f"/tasks/{created.json()['id']}"

            async def burst() -> list[int]:
                responses = await asyncio.gather(
                    *(client.get(path, headers=headers) for path in ("/tasks", task_path) * 4)
                )
                return [response.status_code for response in responses]

            assert await burst() == [200] * 8
            killed = await _count(
                admin,
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "  # noqa: S608
                f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
            )
            assert killed >= 1
            # The server ends its backends asynchronously: wait until they are all gone (well within
            # PING_AFTER_IDLE_SECONDS, so no ping would catch the dead connections).
            for _ in range(100):
                left = await _count(
                    admin,
                    "SELECT count(*) FROM pg_stat_activity "  # noqa: S608
                    f"WHERE datname = '{name}' AND backend_type = 'client backend'",
                )
                if left == 0:
                    break
                await asyncio.sleep(0.02)
            assert left == 0
            await asyncio.sleep(0.05)  # the sockets' end reaches asyncpg on the next turns of the loop
            assert await burst() == [200] * 8
