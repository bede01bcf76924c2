"""More concurrent streams than database connections: every request waits its turn, none deadlocks.

A request that holds its session's connection while the work it starts opens sessions of its own needs
two connections at once; with as many such requests as the pool has connections, each holds one and
waits for a second until the pool times out (503s after 10 s). Found by bench/streams.py with 20
concurrent help streams on a pool of 20. Here: a pool of 3 and 12 concurrent help, schedule and chat
requests, on PostgreSQL (SQLite has no pool).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from tests.conftest import UserFactory

CONCURRENT = 12


pytestmark = pytest.mark.backends("postgres")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"db_pool_size": 3, "db_max_overflow": 0, "agent_rate_limit": 1000}


def _message(text: str) -> dict[str, Any]:
    return {"content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {}}


async def test_concurrent_streams_share_a_small_pool(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    users = [await make_user() for _ in range(CONCURRENT)]
    tasks = []
    for user in users:
        created = await client.post("/tasks", json={"title": "Plan the launch"}, headers=user.headers)
        assert created.status_code == 201
        tasks.append(created.json()["id"])

    async def one(n: int) -> tuple[int, str]:
        user, task_id = users[n], tasks[n]
        kind = n % 3
        if kind == 0:
            response = await client.post(
                f"/tasks/{task_id}/help", json={"query": "How do I start?"}, headers=user.headers
            )
        elif kind == 1:
            response = await client.post(f"/tasks/{task_id}/schedule", headers=user.headers)
        else:
            body = {"type": "threads.create", "params": {"input": _message("What tasks do I have?")}}
            response = await client.post("/chatkit", json=body, headers=user.headers)
        return response.status_code, response.text

    started = time.monotonic()
    results = await asyncio.wait_for(asyncio.gather(*(one(n) for n in range(CONCURRENT))), 60)
    elapsed = time.monotonic() - started
    failed = [(status, body[:200]) for status, body in results if status != 200]
    assert not failed, failed
    for _, body in results:
        assert "event: error" not in body and '"type":"error"' not in body.replace(" ", ""), body[-300:]
    assert elapsed < 10, f"{CONCURRENT} requests on a pool of 3 took {elapsed:.1f} s"
