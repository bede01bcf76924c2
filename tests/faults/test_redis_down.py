"""Redis unreachable: the rate limits stay enforced (in each worker's memory), and requests stay fast.

Two ways Redis can be gone: nothing listens on its port (refused at once), or something accepts the
connection and never answers (a hung server, a black-holed route). Either way `POST /token` keeps its
5-a-minute limit end to end, with its headers, and no response waits on Redis for long. Each worker
(here: each app object) counts on its own until Redis is back.
"""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from taskagent.app import create_app
from taskagent.auth.passwords import PasswordHasher
from taskagent.resources import app_resources
from tests.auth.conftest import FAST_ARGON2
from tests.conftest import build_settings

LIMIT = 5
# One check's budget is REDIS_DEADLINE_SECONDS (1 s) in the limiter; a refused port costs nothing. The
# margin is for a loaded CI machine; a limiter that waited on client retries or default timeouts (seconds
# each) would blow it.
FIRST_REQUEST_SECONDS = 2.0
LATER_REQUEST_SECONDS = 0.75


@pytest.fixture(params=["refused", "hung"])
def dead_redis(request: pytest.FixtureRequest) -> Iterator[str]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        if request.param == "hung":
            # The kernel completes the handshake into the backlog; nobody ever reads or answers.
            listener.listen(64)
            yield f"redis://127.0.0.1:{port}/0"
            return
    yield f"redis://127.0.0.1:{port}/0"  # closed again: connections are refused


@asynccontextmanager
async def running(redis_url: str, sqlite_template: Path, tmp_path: Path, name: str) -> AsyncIterator[FastAPI]:
    database = tmp_path / f"{name}.db"
    database.write_bytes(sqlite_template.read_bytes())
    settings = build_settings(
        f"sqlite:///{database}", tmp_path / name, redis_url=redis_url, token_rate_limit=LIMIT
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        app_resources(app).password_hasher = PasswordHasher(
            2, FAST_ARGON2
        )  # the limiter's cost, not Argon2's
        yield app


async def _logins(app: FastAPI, count: int) -> list[tuple[httpx.Response, float]]:
    transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 40000))
    results = []
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for _ in range(count):
            started = time.monotonic()
            response = await client.post(
                "/token", data={"username": "nobody@example.com", "password": "wrong"}
            )
            results.append((response, time.monotonic() - started))
    return results


async def test_token_limit_holds_per_worker_when_redis_is_unreachable(
    dead_redis: str, sqlite_template: Path, tmp_path: Path
) -> None:
    async with running(dead_redis, sqlite_template, tmp_path, "worker-1") as app:
        results = await _logins(app, LIMIT + 2)
        statuses = [response.status_code for response, _ in results]
        assert statuses == [401] * LIMIT + [429, 429], statuses
        assert app_resources(app).rate_limiter.using_fallback
        first, *later = [elapsed for _, elapsed in results]
        assert first < FIRST_REQUEST_SECONDS, f"the first login waited {first:.2f} s on a dead Redis"
        assert max(later) < LATER_REQUEST_SECONDS, f"later logins waited up to {max(later):.2f} s"
        refused = results[LIMIT][0]
        assert refused.headers["retry-after"]
        assert refused.headers["ratelimit-policy"] == f'"token";q={LIMIT};w=60'
        assert refused.headers["x-ratelimit-remaining"] == "0"
        assert [response.headers["x-ratelimit-remaining"] for response, _ in results[:LIMIT]] == [
            str(LIMIT - n) for n in range(1, LIMIT + 1)
        ]

    # Another worker of the same deployment, with the same dead Redis, keeps its own budget meanwhile.
    async with running(dead_redis, sqlite_template, tmp_path, "worker-2") as other:
        statuses = [response.status_code for response, _ in await _logins(other, LIMIT + 1)]
        assert statuses == [401] * LIMIT + [429]
