"""A unit of work (`db.session_scope`, each request's session) keeps what it changed and only that.

The read sessions of GET requests (on PostgreSQL their statements each commit as they run) end without a
COMMIT when there is nothing to send; what is changed through them must still be kept, and an error must
still roll everything back, as in any other session.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from taskagent.auth.models import User
from taskagent.db import session_scope
from taskagent.resources import app_resources
from tests.conftest import UserFactory


async def _timezone(app: FastAPI, user_id: int) -> str:
    async with session_scope(app_resources(app).session_factory) as session:
        return (await session.execute(select(User.timezone).where(User.id == user_id))).scalar_one()


@pytest.mark.parametrize("kind", ["read", "write"])
async def test_a_change_left_unflushed_is_committed(app: FastAPI, make_user: UserFactory, kind: str) -> None:
    user = await make_user()
    resources = app_resources(app)
    factory = resources.read_session_factory if kind == "read" else resources.session_factory
    async with session_scope(factory) as session:
        (await session.get_one(User, user.id)).timezone = "Europe/Paris"
    assert await _timezone(app, user.id) == "Europe/Paris"


@pytest.mark.parametrize("kind", ["read", "write"])
async def test_an_error_rolls_back_what_was_not_yet_committed(
    app: FastAPI, make_user: UserFactory, kind: str
) -> None:
    user = await make_user()
    resources = app_resources(app)
    factory = resources.read_session_factory if kind == "read" else resources.session_factory
    with pytest.raises(RuntimeError):
        async with session_scope(factory) as session:
            (await session.get_one(User, user.id)).timezone = "Europe/Paris"
            raise RuntimeError("the route failed")
    assert await _timezone(app, user.id) == "UTC"
