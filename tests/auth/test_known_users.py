"""The id-only authentication of the task routes (`CurrentUserId`): the same 401s as `CurrentUser`, with
the existence of the user remembered for a while (`KnownUsers`) instead of read on every request."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import delete

from taskagent.auth.dependencies import KnownUsers
from taskagent.auth.models import User
from taskagent.config import Settings
from taskagent.db import create_session_factory, session_scope
from taskagent.resources import app_resources
from tests.auth.test_token import forgeries
from tests.conftest import UserHandle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_known_users_forget_after_the_ttl() -> None:
    clock = Clock()
    known = KnownUsers(ttl=60, clock=clock)
    assert 7 not in known
    known.add(7)
    clock.now += 59
    assert 7 in known
    clock.now += 2
    assert 7 not in known


def test_known_users_stay_within_their_size() -> None:
    clock = Clock()
    known = KnownUsers(ttl=60, max_size=3, clock=clock)
    for user_id in (1, 2, 3):
        known.add(user_id)
    known.add(1)  # seen again: now the newest
    known.add(4)
    assert 2 not in known and {1, 3, 4} == {i for i in (1, 2, 3, 4) if i in known}


async def test_forged_and_unfit_tokens_get_401_on_task_routes_too(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle, settings: Settings
) -> None:
    # The control, which also puts alice (and then bob) among the known users.
    assert (await client.get("/tasks", headers=alice.headers)).status_code == 200
    assert (await client.get("/tasks", headers=bob.headers)).status_code == 200
    for name, token in forgeries(alice, bob, settings).items():
        for path in ("/tasks", "/tasks/1"):
            response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 401, (name, path, response.text)
            assert response.headers["www-authenticate"] == "Bearer", name
            assert response.json() == {"detail": "Invalid or expired token"}, name


async def test_a_removed_user_is_refused_once_no_longer_known(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle
) -> None:
    clock = Clock()
    app_resources(app).known_users = KnownUsers(ttl=60, clock=clock)
    assert (await client.get("/tasks", headers=alice.headers)).status_code == 200
    # Not possible through the API: removed by hand.
    async with session_scope(create_session_factory(app_resources(app).engine)) as session:
        await session.execute(delete(User).where(User.id == alice.id))
    assert (await client.get("/users/me", headers=alice.headers)).status_code == 401  # reads the row
    clock.now += 61
    response = await client.get("/tasks", headers=alice.headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or expired token"}
