"""Shared fixtures: a real database per test (SQLite and PostgreSQL), an app built with its own settings,
and an HTTP client that goes through the whole ASGI stack.

Isolation: SQLite tests each get a copy of a migrated template file; PostgreSQL tests share one database
created (and migrated) for the session and truncated before each test.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from taskagent import migrations
from taskagent.app import create_app
from taskagent.auth import tokens
from taskagent.auth.models import User
from taskagent.auth.passwords import PasswordHasher
from taskagent.auth.repository import SessionRepository
from taskagent.config import Settings, to_async_url
from taskagent.db import session_scope
from taskagent.resources import app_resources
from tests.fakes import PROVIDERS, ScriptedProvider
from tests.services import IN_CI, POSTGRES_AVAILABLE, POSTGRES_URL, REDIS_AVAILABLE, REDIS_URL

TEST_SECRET = "test-secret-key-that-is-long-enough-for-hs256-0123456789"
DEFAULT_PASSWORD = "correct horse battery"
TABLES = "thread_items, threads, tasks, users"


def require_service(name: str, available: bool) -> None:
    if available:
        return
    message = f"{name} is not reachable"
    if IN_CI:
        pytest.fail(f"{message} and CI=true: the suite needs it")
    pytest.skip(f"{message}: skipped")


# --- databases ---------------------------------------------------------------------------------------


async def _migrate(url: str) -> None:
    engine = create_async_engine(to_async_url(url))
    try:
        await migrations.upgrade(engine)
    finally:
        await engine.dispose()


async def _admin(statement: str) -> None:
    engine = create_async_engine(to_async_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_migrate(f"sqlite:///{path}"))
    return path


def new_postgres_database(*, migrated: bool = True) -> str:
    """Create (and migrate) a database of our own; the caller drops it with drop_postgres_database."""
    name = f"taskagent_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    if migrated:
        asyncio.run(_migrate(url))
    return url


def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    if not POSTGRES_AVAILABLE:
        yield None
        return
    url = new_postgres_database()
    yield url
    drop_postgres_database(url)


BACKENDS = ("sqlite", "postgres")
IMAGE_TEST = "tests/deploy/test_image.py"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The image test goes first: one worker spends its minutes of downloads and compiling on the build
    while the other works through the suite (the rest is shared out as workers become free)."""
    image_tests = [item for item in items if item.nodeid.startswith(IMAGE_TEST)]
    if image_tests:
        items[:] = image_tests + [item for item in items if item not in image_tests]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses the database runs on both backends, or on those its `backends` mark names."""
    if "backend" in metafunc.fixturenames:
        mark = metafunc.definition.get_closest_marker("backends")
        names = mark.args if mark is not None else BACKENDS
        unknown = set(names) - set(BACKENDS)
        if unknown:
            raise pytest.UsageError(f"{metafunc.definition.nodeid}: unknown backends {sorted(unknown)}")
        metafunc.parametrize("backend", names, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
async def database_url(
    backend: str, tmp_path: Path, sqlite_template: Path, postgres_database: str | None
) -> AsyncIterator[str]:
    if backend == "sqlite":
        path = tmp_path / "taskagent.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    require_service("PostgreSQL", POSTGRES_AVAILABLE)
    assert postgres_database is not None
    engine = create_async_engine(to_async_url(postgres_database))
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    await engine.dispose()
    yield postgres_database


@pytest.fixture
def redis_url() -> str:
    require_service("Redis", REDIS_AVAILABLE)
    return REDIS_URL


# --- the app -----------------------------------------------------------------------------------------


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Tests override settings by redefining this fixture (or by `make_app`)."""
    return {}


def build_settings(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": data_dir,
        "secret_key": TEST_SECRET,
        "taskagent_env": "test",
        "redis_url": None,
        "rate_limit_key_prefix": f"taskagent-test-{uuid.uuid4().hex}",
        # No background reminder passes unless a test asks (they would add statements to tests that count
        # them); tests/notifications runs passes itself or turns the loop on.
        "reminder_poll_seconds": 0,
        "webhook_poll_seconds": 0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def settings(database_url: str, tmp_path: Path, settings_overrides: dict[str, Any]) -> Settings:
    return build_settings(database_url, tmp_path / "data", **settings_overrides)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.10", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


# --- users -------------------------------------------------------------------------------------------

_password_hash: str | None = None


async def _default_password_hash() -> str:
    # Hashed once per session: real Argon2id, without paying 0.2 s for every test's users.
    global _password_hash
    if _password_hash is None:
        _password_hash = await PasswordHasher(1).hash(DEFAULT_PASSWORD)
    return _password_hash


@dataclass
class UserHandle:
    id: int
    email: str
    token: str
    password: str = DEFAULT_PASSWORD
    headers: dict[str, str] = field(default_factory=dict)


UserFactory = Callable[..., Awaitable[UserHandle]]


@pytest.fixture
def make_user(app: FastAPI, settings: Settings) -> UserFactory:
    """Create a user directly (setup, not the thing under test) and a real token for it."""

    async def factory(email: str | None = None, timezone: str = "UTC") -> UserHandle:
        email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
        async with session_scope(app_resources(app).session_factory) as session:
            user = User(email=email, password_hash=await _default_password_hash(), timezone=timezone)
            session.add(user)
            await session.flush()
            user_id = user.id
        token = tokens.issue(settings, user_id, "access").token
        return UserHandle(user_id, email, token, headers={"Authorization": f"Bearer {token}"})

    return factory


async def signed_in_session(app: FastAPI, settings: Settings, user_id: int) -> tokens.IssuedToken:
    """A session cookie's token with its server-side session, as `POST /auth/login` makes them."""
    expires_at = datetime.now(UTC) + tokens.lifetime_of(settings, "session")
    async with session_scope(app_resources(app).session_factory) as session:
        session_id = await SessionRepository(session).start(user_id, expires_at)
    return tokens.issue(settings, user_id, "session", session_id=session_id)


@pytest.fixture
async def alice(make_user: UserFactory) -> UserHandle:
    return await make_user("alice@example.com")


@pytest.fixture
async def bob(make_user: UserFactory) -> UserHandle:
    return await make_user("bob@example.com")


# --- fake AI providers -------------------------------------------------------------------------------


@pytest.fixture(params=list(PROVIDERS))
def provider(request: pytest.FixtureRequest) -> str:
    """Each hosted provider in turn (a test that asks for `fake` runs once per provider)."""
    value: str = request.param
    return value


@pytest.fixture
def fake(provider: str) -> Iterator[ScriptedProvider]:
    with PROVIDERS[provider]() as server:
        yield server
