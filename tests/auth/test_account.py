"""The account through HTTP: a password change and the account's deletion end every way in (session
cookies, access tokens, bearer JWTs), on this worker and on another; bad requests change nothing."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from taskagent.access_tokens.models import AccessToken
from taskagent.auth.models import AuthSession, User
from taskagent.calendar.models import CalendarFeed
from taskagent.conversations.models import Thread
from taskagent.db import Base, create_session_factory, session_scope
from taskagent.resources import app_resources
from taskagent.tasks.models import Task
from tests.access_tokens.conftest import new_token
from tests.auth.conftest import Account, AccountFactory, token_for
from tests.auth.test_sessions import _sign_in, other_worker  # noqa: F401 - a fixture

NEW_PASSWORD = "a brand new long password"


async def _bearer(client: httpx.AsyncClient, account: Account, password: str) -> dict[str, str]:
    response = await token_for(client, account.email, password)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _change_password(
    client: httpx.AsyncClient, account: Account, headers: dict[str, str]
) -> httpx.Response:
    body = {"current_password": account.password, "new_password": NEW_PASSWORD}
    return await client.post("/users/me/password", json=body, headers=headers)


async def _counts(app: FastAPI, user_id: int) -> dict[str, int]:
    owned: dict[str, type[Base]] = {
        "tasks": Task,
        "tokens": AccessToken,
        "feeds": CalendarFeed,
        "threads": Thread,
    }
    counts: dict[str, int] = {}
    async with session_scope(create_session_factory(app_resources(app).engine)) as session:
        for name, model in owned.items():
            column = model.owner_id  # type: ignore[attr-defined]
            counts[name] = (await session.execute(select(func.count()).where(column == user_id))).scalar_one()
        counts["sessions"] = (
            await session.execute(select(func.count()).where(AuthSession.user_id == user_id))
        ).scalar_one()
        counts["users"] = (await session.execute(select(func.count()).where(User.id == user_id))).scalar_one()
    return counts


async def test_a_password_change_ends_every_way_in_everywhere(
    backend: str,
    client: httpx.AsyncClient,
    other_worker: httpx.AsyncClient,  # noqa: F811
    make_account: AccountFactory,
) -> None:
    account = await make_account()
    cookie = await _sign_in(client, account)
    bearer = await _bearer(client, account, account.password)
    token = await new_token(client, account, "tasks:read")  # type: ignore[arg-type]
    assert (await other_worker.get("/users/me", headers=bearer)).status_code == 200  # cached there
    assert (await client.get("/tasks", headers=token["headers"])).status_code == 200

    changed = await _change_password(client, account, cookie)
    assert changed.status_code == 204, changed.text

    assert (await client.get("/users/me", headers=cookie)).status_code == 401
    assert (await other_worker.get("/users/me", headers=cookie)).status_code == 401
    assert (await client.get("/users/me", headers=bearer)).status_code == 401
    assert (await client.get("/tasks", headers=token["headers"])).status_code == 401
    assert (await token_for(client, account.email, account.password)).status_code == 401
    fresh = await _bearer(client, account, NEW_PASSWORD)  # issued in the same second as the change
    assert (await client.get("/users/me", headers=fresh)).status_code == 200
    assert (await other_worker.get("/users/me", headers=fresh)).status_code == 200


async def test_a_bearer_jwt_ends_on_another_worker_once_its_cache_forgets(
    backend: str,
    client: httpx.AsyncClient,
    other_worker: httpx.AsyncClient,  # noqa: F811
    make_account: AccountFactory,
) -> None:
    account = await make_account()
    bearer = await _bearer(client, account, account.password)
    changed = await _change_password(client, account, bearer)
    assert changed.status_code == 204, changed.text
    # The other worker never saw this user: it reads the row, and refuses the old token.
    assert (await other_worker.get("/users/me", headers=bearer)).status_code == 401


async def test_a_wrong_or_weak_password_changes_nothing(
    backend: str, client: httpx.AsyncClient, make_account: AccountFactory
) -> None:
    account = await make_account()
    bearer = await _bearer(client, account, account.password)
    bad_requests = [
        ({"current_password": "not the password", "new_password": NEW_PASSWORD}, "current_password"),
        ({"current_password": account.password, "new_password": "short"}, "new_password"),
        ({"current_password": account.password}, "new_password"),
        ({"new_password": NEW_PASSWORD}, "current_password"),
    ]
    for body, field in bad_requests:
        response = await client.post("/users/me/password", json=body, headers=bearer)
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"] == ["body", field], response.text
    wrong = await client.post(
        "/users/me/password",
        json={"current_password": "not the password", "new_password": NEW_PASSWORD},
        headers=bearer,
    )
    assert "Incorrect password" in wrong.text
    assert (await client.get("/users/me", headers=bearer)).status_code == 200
    assert (await token_for(client, account.email, account.password)).status_code == 200
    assert (await client.post("/users/me/password", json={})).status_code == 401


async def test_deleting_the_account_removes_everything_of_it_and_nothing_else(
    backend: str,
    app: FastAPI,
    client: httpx.AsyncClient,
    other_worker: httpx.AsyncClient,  # noqa: F811
    make_account: AccountFactory,
) -> None:
    account, other = await make_account(), await make_account()
    for owner in (account, other):
        parent = await client.post("/tasks", json={"title": "parent"}, headers=owner.headers)
        assert parent.status_code == 201, parent.text
        child = {"title": "child", "parent_id": parent.json()["id"]}
        assert (await client.post("/tasks", json=child, headers=owner.headers)).status_code == 201
        await new_token(client, owner, "calendar")  # type: ignore[arg-type]
        assert (await client.get("/users/me/calendar", headers=owner.headers)).status_code == 200
    cookie = await _sign_in(client, account)
    await _sign_in(client, other)
    bearer = await _bearer(client, account, account.password)
    assert (await other_worker.get("/users/me", headers=bearer)).status_code == 200
    before_other = await _counts(app, other.id)

    wrong = await client.request("DELETE", "/users/me", json={"password": "nope"}, headers=cookie)
    assert wrong.status_code == 422, wrong.text
    missing = await client.request("DELETE", "/users/me", json={}, headers=cookie)
    assert missing.status_code == 422, missing.text
    assert (await _counts(app, account.id))["tasks"] == 2

    deleted = await client.request("DELETE", "/users/me", json={"password": account.password}, headers=cookie)
    assert deleted.status_code == 204, deleted.text

    assert await _counts(app, account.id) == {
        "tasks": 0,
        "tokens": 0,
        "feeds": 0,
        "threads": 0,
        "sessions": 0,
        "users": 0,
    }
    assert await _counts(app, other.id) == before_other
    assert before_other["tasks"] == 2 and before_other["feeds"] == 1 and before_other["tokens"] == 1
    assert (await client.get("/users/me", headers=cookie)).status_code == 401
    assert (await client.get("/users/me", headers=bearer)).status_code == 401
    # The other worker still knows the id (its 60 s cache), but a write for the gone owner is refused
    # like every other request of that token, not a 500 from the foreign key.
    for _ in range(2):
        ghost = await other_worker.post("/tasks", json={"title": "ghost"}, headers=bearer)
        assert ghost.status_code == 401, ghost.text
        assert ghost.json() == {"detail": "Invalid or expired token"}
    assert (await other_worker.get("/users/me", headers=bearer)).status_code == 401
    assert (await token_for(client, account.email, account.password)).status_code == 401
    assert (await client.get("/tasks", headers=other.headers)).status_code == 200
