"""A request never holds a database connection while it waits for a second one.

The caller check reads in a short session of its own (a session cookie's row on every request; a bearer
token's user when this worker has not seen them for a minute). A GET used to take its session's connection
before that check ran: with every connection of the pool held by such requests, each waited for a second
one until the pool's timeout, and every request on the worker stalled for 30 s (bench/run.py at 256
connections, a minute after the last sign-in). Here the pool has one connection: a request that needs two
at once cannot be answered at all.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from taskagent.resources import app_resources
from tests.conftest import UserFactory

pytestmark = pytest.mark.backends("postgres")  # SQLite opens a connection per session: no pool


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"db_pool_size": 1, "db_max_overflow": 0, "db_pool_timeout": 3}


async def test_a_bearer_callers_lookup_and_the_request_share_one_connection(
    app: FastAPI, client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = await make_user()
    created = await client.post("/tasks", json={"title": "Water the plants"}, headers=user.headers)
    assert created.status_code == 201, created.text
    task_id = created.json()["id"]
    known_users = app_resources(app).known_users
    for method, path, body in (
        ("GET", f"/tasks/{task_id}", None),
        ("GET", "/tasks", None),
        ("PATCH", f"/tasks/{task_id}", {"priority": "high"}),
        ("GET", "/users/me", None),
    ):
        known_users.forget(user.id)  # as a minute after the last look: the check reads the user again
        response = await client.request(method, path, json=body, headers=user.headers)
        assert response.status_code == 200, (method, path, response.status_code, response.text)
        assert user.id in known_users


async def test_a_session_cookies_check_and_the_request_share_one_connection(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = await make_user()
    login = await client.post("/auth/login", json={"email": user.email, "password": user.password})
    assert login.status_code == 200, login.text
    csrf = login.json()["csrf_token"]
    created = await client.post("/tasks", json={"title": "Call the bank"}, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201, created.text
    for path in (f"/tasks/{created.json()['id']}", "/tasks", "/users/me"):
        response = await client.get(path)  # the cookie's session row is read on every request
        assert response.status_code == 200, (path, response.status_code, response.text)
