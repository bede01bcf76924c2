"""Personal access tokens through HTTP: made, shown once, used where their scopes allow and nowhere else,
refused at once when revoked or expired."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from taskagent.access_tokens.models import AccessToken
from taskagent.app import create_app
from taskagent.config import Settings
from taskagent.db import session_scope, utcnow
from taskagent.resources import app_resources
from tests.access_tokens.conftest import new_token
from tests.conftest import UserHandle

pytestmark = pytest.mark.usefixtures("backend")


async def _rows(app: FastAPI) -> list[AccessToken]:
    async with session_scope(app_resources(app).session_factory) as session:
        return list((await session.scalars(select(AccessToken))).all())


async def test_a_token_is_shown_once_and_stored_hashed(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    created = await new_token(client, alice, "tasks:read", "tasks:write", "tasks:read", name="  cron  ")
    assert created["token"].startswith("tka_") and len(created["token"]) >= 40
    assert created["name"] == "cron"
    assert created["scopes"] == ["tasks:read", "tasks:write"]
    assert created["expires_at"] is None and created["last_used_at"] is None
    assert created["prefix"] == created["token"][:12]

    listed = (await client.get("/users/me/tokens", headers=alice.headers)).json()
    assert [token["id"] for token in listed] == [created["id"]]
    assert "token" not in listed[0] and created["token"] not in str(listed)

    [row] = await _rows(app)
    assert row.token_hash != created["token"] and len(row.token_hash) == 64
    assert created["token"] not in str(vars(row))


async def test_expiry_in_days(client: httpx.AsyncClient, alice: UserHandle) -> None:
    created = await new_token(client, alice, "mcp", expires_in_days=30)
    response = await client.get("/users/me/tokens", headers=alice.headers)
    expires = response.json()[0]["expires_at"]
    assert expires == created["expires_at"]
    assert expires > (utcnow() + timedelta(days=29)).isoformat()


async def test_read_and_write_scopes_on_the_task_routes(client: httpx.AsyncClient, alice: UserHandle) -> None:
    writer = await new_token(client, alice, "tasks:read", "tasks:write")
    reader = await new_token(client, alice, "tasks:read")
    made = await client.post("/tasks", json={"title": "From a script"}, headers=writer["headers"])
    assert made.status_code == 201, made.text
    task_id = made.json()["id"]

    for headers in (writer["headers"], reader["headers"]):
        assert (await client.get("/tasks", headers=headers)).json()[0]["id"] == task_id
        one = await client.get(f"/tasks/{task_id}", headers=headers)
        assert one.status_code == 200 and one.json()["title"] == "From a script"

    refused = await client.post("/tasks", json={"title": "No"}, headers=reader["headers"])
    assert refused.status_code == 403
    assert refused.headers["WWW-Authenticate"] == 'Bearer error="insufficient_scope", scope="tasks:write"'
    for method in ("PATCH", "PUT"):
        response = await client.request(
            method, f"/tasks/{task_id}", json={"title": "Changed"}, headers=reader["headers"]
        )
        assert response.status_code == 403, method
    assert (await client.delete(f"/tasks/{task_id}", headers=reader["headers"])).status_code == 403
    assert (await client.get(f"/tasks/{task_id}", headers=alice.headers)).json()["title"] == "From a script"

    patched = await client.patch(f"/tasks/{task_id}", json={"title": "Changed"}, headers=writer["headers"])
    assert patched.status_code == 200 and patched.json()["title"] == "Changed"
    assert (await client.delete(f"/tasks/{task_id}", headers=writer["headers"])).status_code == 204


async def test_a_token_without_a_task_scope_cannot_touch_tasks(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    token = await new_token(client, alice, "mcp", "calendar")
    assert (await client.get("/tasks", headers=token["headers"])).status_code == 403
    response = await client.post("/tasks", json={"title": "No"}, headers=token["headers"])
    assert response.status_code == 403
    assert (await client.get("/tasks", headers=alice.headers)).json() == []


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/users/me/tokens", {"name": "more", "scopes": ["tasks:read"]}),
        ("GET", "/users/me/tokens", None),
        ("DELETE", "/users/me/tokens/1", None),
        ("GET", "/users/me", None),
        ("PATCH", "/users/me", {"timezone": "Europe/Paris"}),
        ("POST", "/tasks/1/help", {"kind": "plan"}),
    ],
)
async def test_tokens_are_refused_outside_their_scopes(
    client: httpx.AsyncClient, alice: UserHandle, method: str, path: str, body: Any
) -> None:
    every_scope = await new_token(client, alice, "tasks:read", "tasks:write", "mcp", "calendar")
    response = await client.request(method, path, json=body, headers=every_scope["headers"])
    assert response.status_code == 403, response.text
    assert "cannot be used here" in response.json()["detail"]
    listed = (await client.get("/users/me/tokens", headers=alice.headers)).json()
    assert [token["id"] for token in listed] == [every_scope["id"]]
    assert (await client.get("/users/me", headers=alice.headers)).json()["timezone"] == "UTC"


async def test_a_revoked_token_is_refused_at_once(client: httpx.AsyncClient, alice: UserHandle) -> None:
    token = await new_token(client, alice, "tasks:read")
    kept = await new_token(client, alice, "tasks:read", name="kept")
    assert (await client.get("/tasks", headers=token["headers"])).status_code == 200

    revoked = await client.delete(f"/users/me/tokens/{token['id']}", headers=alice.headers)
    assert revoked.status_code == 204
    response = await client.get("/tasks", headers=token["headers"])
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert (await client.get("/tasks", headers=kept["headers"])).status_code == 200
    again = await client.delete(f"/users/me/tokens/{token['id']}", headers=alice.headers)
    assert again.status_code == 404


@pytest.fixture
async def second_worker(settings: Settings, app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Another app on the same database, as another uvicorn worker would be."""
    other = create_app(settings)
    async with other.router.lifespan_context(other):
        transport = httpx.ASGITransport(app=other)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


async def test_revocation_reaches_every_worker(
    client: httpx.AsyncClient, second_worker: httpx.AsyncClient, alice: UserHandle
) -> None:
    token = await new_token(client, alice, "tasks:read")
    assert (await second_worker.get("/tasks", headers=token["headers"])).status_code == 200
    assert (await client.delete(f"/users/me/tokens/{token['id']}", headers=alice.headers)).status_code == 204
    assert (await second_worker.get("/tasks", headers=token["headers"])).status_code == 401


async def test_an_expired_token_is_refused(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    token = await new_token(client, alice, "tasks:read", expires_in_days=1)
    assert (await client.get("/tasks", headers=token["headers"])).status_code == 200
    async with session_scope(app_resources(app).session_factory) as session:
        await session.execute(update(AccessToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert (await client.get("/tasks", headers=token["headers"])).status_code == 401


async def test_use_is_recorded(client: httpx.AsyncClient, alice: UserHandle) -> None:
    token = await new_token(client, alice, "tasks:read")
    before = utcnow().isoformat()
    assert (await client.get("/tasks", headers=token["headers"])).status_code == 200
    [listed] = (await client.get("/users/me/tokens", headers=alice.headers)).json()
    assert listed["last_used_at"] is not None and listed["last_used_at"] >= before[:19]


@pytest.mark.parametrize("token", ["tka_", "tka_not-a-real-token", "tka_" + "A" * 43, "tka_\u00e9t\u00e9"])
async def test_unknown_tokens_are_refused(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get("/tasks", headers={b"authorization": f"Bearer {token}".encode()})
    assert response.status_code == 401


async def test_tokens_are_each_users_own(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    alices = await new_token(client, alice, "tasks:read", "tasks:write")
    await client.post("/tasks", json={"title": "Alice's"}, headers=alice.headers)
    assert (await client.get("/users/me/tokens", headers=bob.headers)).json() == []
    refused = await client.delete(f"/users/me/tokens/{alices['id']}", headers=bob.headers)
    assert refused.status_code == 404
    assert (await client.get("/tasks", headers=alices["headers"])).status_code == 200
    bobs = await new_token(client, bob, "tasks:read")
    assert (await client.get("/tasks", headers=bobs["headers"])).json() == []


@pytest.mark.parametrize(
    "body",
    [
        {"scopes": ["tasks:read"]},
        {"name": "", "scopes": ["tasks:read"]},
        {"name": "   ", "scopes": ["tasks:read"]},
        {"name": "x" * 101, "scopes": ["tasks:read"]},
        {"name": "nul\u0000", "scopes": ["tasks:read"]},
        {"name": "x"},
        {"name": "x", "scopes": []},
        {"name": "x", "scopes": ["admin"]},
        {"name": "x", "scopes": "tasks:read"},
        {"name": "x", "scopes": ["tasks:read"], "expires_in_days": 0},
        {"name": "x", "scopes": ["tasks:read"], "expires_in_days": 3651},
        {"name": "x", "scopes": ["tasks:read"], "expires_in_days": "soon"},
        {"name": "x", "scopes": ["tasks:read"], "token": "tka_mine"},
    ],
)
async def test_bad_requests_make_nothing(client: httpx.AsyncClient, alice: UserHandle, body: Any) -> None:
    response = await client.post("/users/me/tokens", json=body, headers=alice.headers)
    assert response.status_code == 422, response.text
    assert (await client.get("/users/me/tokens", headers=alice.headers)).json() == []


async def test_revoking_needs_a_number(client: httpx.AsyncClient, alice: UserHandle) -> None:
    assert (await client.delete("/users/me/tokens/abc", headers=alice.headers)).status_code == 422
    assert (await client.delete("/users/me/tokens/99999999999", headers=alice.headers)).status_code == 404


async def test_signed_out_callers_get_401(client: httpx.AsyncClient) -> None:
    assert (await client.get("/users/me/tokens")).status_code == 401
    response = await client.post("/users/me/tokens", json={"name": "x", "scopes": ["mcp"]})
    assert response.status_code == 401
