"""Server-side sessions: signing out ends the session itself, on every worker, not only the browser's copy.

A second app on the same database plays a second worker (its own token and user caches).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete

from taskagent.app import create_app
from taskagent.auth.models import User
from taskagent.auth.repository import SessionRepository
from taskagent.config import Settings
from taskagent.db import session_scope
from taskagent.resources import app_resources
from tests.auth.conftest import Account, AccountFactory

SESSION = "taskagent_session"


@pytest.fixture
async def other_worker(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.11", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


async def _sign_in(client: httpx.AsyncClient, account: Account) -> dict[str, str]:
    """The cookie and CSRF header a page would send, kept by the caller (as an attacker who copied them)."""
    response = await client.post("/auth/login", json={"email": account.email, "password": account.password})
    assert response.status_code == 200, response.text
    headers = {
        "Cookie": f"{SESSION}={response.cookies[SESSION]}",
        "X-CSRF-Token": response.json()["csrf_token"],
    }
    client.cookies.clear()
    return headers


async def _works(client: httpx.AsyncClient, headers: dict[str, str]) -> bool:
    me = await client.get("/users/me", headers=headers)
    created = await client.post("/tasks", json={"title": "still here?"}, headers=headers)
    works = me.status_code == 200 and created.status_code == 201
    assert works or (me.status_code == created.status_code == 401), (me.text, created.text)
    return works


async def test_logout_ends_the_session_on_every_worker(
    client: httpx.AsyncClient, other_worker: httpx.AsyncClient, make_account: AccountFactory
) -> None:
    account = await make_account()
    kept = await _sign_in(client, account)
    other = await _sign_in(client, account)
    assert await _works(client, kept) and await _works(other_worker, kept)  # both workers know it now

    logout = await client.post("/auth/logout", headers=kept)
    assert logout.status_code == 204

    for worker in (client, other_worker):
        me = await worker.get("/users/me", headers=kept)
        assert me.status_code == 401 and me.json() == {"detail": "Session expired; sign in again"}
        assert not await _works(worker, kept)
    assert await _works(other_worker, other)  # the user's other session is untouched


async def test_ending_all_sessions_signs_the_user_out_everywhere(
    app: FastAPI, client: httpx.AsyncClient, other_worker: httpx.AsyncClient, make_account: AccountFactory
) -> None:
    """What a password change does (issue 17 calls it): every session of the user ends, others' stay."""
    account, someone = await make_account(), await make_account()
    sessions = [await _sign_in(client, account) for _ in range(2)]
    theirs = await _sign_in(client, someone)
    assert all([await _works(other_worker, headers) for headers in sessions])
    async with session_scope(app_resources(app).session_factory) as session:
        await SessionRepository(session).end_all(account.id)
    for headers in sessions:
        assert not await _works(client, headers) and not await _works(other_worker, headers)
    assert await _works(other_worker, theirs)
    # Signing in again starts a new session.
    assert await _works(client, await _sign_in(client, account))


async def test_a_deleted_users_session_is_refused_at_once(
    app: FastAPI, client: httpx.AsyncClient, make_account: AccountFactory
) -> None:
    account = await make_account()
    headers = await _sign_in(client, account)
    assert await _works(client, headers)
    async with session_scope(app_resources(app).session_factory) as session:
        await session.execute(delete(User).where(User.id == account.id))
    assert (await client.get("/users/me", headers=headers)).status_code == 401
    assert (await client.post("/tasks", json={"title": "x"}, headers=headers)).status_code == 401


async def test_logout_without_a_session_still_clears_cookies(client: httpx.AsyncClient) -> None:
    client.cookies.set(SESSION, "garbage")
    response = await client.post("/auth/logout")
    assert response.status_code == 204
    assert 'taskagent_session=""' in response.headers["set-cookie"]
