"""Auth tests: real signups and logins through HTTP.

Argon2id with pwdlib's recommended parameters costs about a second of CPU a hash on a busy two-core
machine, so only the modules that measure hashing (`REAL_HASHING = True`) use them; the others use
cheap Argon2id parameters through the same `PasswordHasher`, which changes nothing else.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import update

from taskagent.auth.models import User
from taskagent.auth.passwords import PasswordHasher
from taskagent.db import create_session_factory, session_scope
from taskagent.resources import app_resources
from tests.conftest import UserFactory, UserHandle

FAST_ARGON2 = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
PASSWORD = "a long enough password"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # Many logins from one client address per test: the limits themselves are tests/test_ratelimit.py's.
    return {"token_rate_limit": 10_000}


@pytest.fixture(autouse=True)
def fast_hashing(request: pytest.FixtureRequest) -> None:
    if "app" not in request.fixturenames or getattr(request.module, "REAL_HASHING", False):
        return
    app: FastAPI = request.getfixturevalue("app")
    app_resources(app).password_hasher = PasswordHasher(4, FAST_ARGON2)


@dataclass
class Account:
    id: int
    email: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


AccountFactory = Callable[..., Awaitable[Account]]


@pytest.fixture
def make_account(app: FastAPI, make_user: UserFactory) -> AccountFactory:
    """A user (made directly, like make_user) whose password the app's hasher can verify."""

    async def factory(email: str | None = None, password: str = PASSWORD) -> Account:
        handle: UserHandle = await make_user(email or f"acct-{uuid.uuid4().hex[:10]}@example.com")
        hasher: PasswordHasher = app_resources(app).password_hasher
        password_hash = await hasher.hash(password)
        async with session_scope(create_session_factory(app_resources(app).engine)) as session:
            await session.execute(
                update(User).where(User.id == handle.id).values(password_hash=password_hash)
            )
        return Account(handle.id, handle.email, password, handle.token)

    return factory


async def token_for(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/token", data={"username": email, "password": password})


async def _refuse_password_hashes(response: httpx.Response) -> None:
    if response.status_code == 422:
        return  # a 422 echoes the request's own fields (`password_hash` in a refused body, say)
    await response.aread()
    assert "$argon2" not in response.text, f"a password hash in {response.request.url}: {response.text}"
    assert "password_hash" not in response.text, response.text


@pytest.fixture(autouse=True)
def no_password_hash_in_any_response(request: pytest.FixtureRequest) -> None:
    """Every response of every auth test is checked: no Argon2 hash, no `password_hash` field."""
    if "client" in request.fixturenames:
        client: httpx.AsyncClient = request.getfixturevalue("client")
        client.event_hooks["response"].append(_refuse_password_hashes)
