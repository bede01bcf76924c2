"""Task tests: setup users come from `make_user` (no signup, no hashing); everything else is HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import UserHandle


async def _refuse_password_hashes(response: httpx.Response) -> None:
    if response.status_code == 422:
        return  # a 422 echoes the request's own fields
    await response.aread()
    assert "$argon2" not in response.text and "password_hash" not in response.text, response.text


@pytest.fixture(autouse=True)
def no_password_hash_in_any_response(request: pytest.FixtureRequest) -> None:
    if "client" in request.fixturenames:
        client: httpx.AsyncClient = request.getfixturevalue("client")
        client.event_hooks["response"].append(_refuse_password_hashes)


async def create(client: httpx.AsyncClient, user: UserHandle, **fields: Any) -> dict[str, Any]:
    """POST /tasks and return the task (asserting the 201)."""
    fields.setdefault("title", "A task")
    response = await client.post("/tasks", json=fields, headers=user.headers)
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


async def fetch(client: httpx.AsyncClient, user: UserHandle, task_id: int) -> httpx.Response:
    return await client.get(f"/tasks/{task_id}", headers=user.headers)
