"""A unit of work (`db.session_scope`, each request's session) keeps what it changed and only that.

The read sessions of GET requests (on PostgreSQL their statements each commit as they run) end without a
COMMIT when there is nothing to send; what is changed through them must still be kept, and an error must
still roll everything back, as in any other session.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text

from taskagent.auth.models import User
from taskagent.config import Settings
from taskagent.db import create_engine, session_scope
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


# --- timestamptz as text (db._decode_timestamptz_as_text) -------------------------------------------------

STORED = [
    "2026-12-06 23:07:42.544501+00",
    "2026-12-06 23:07:42.5+00",
    "2026-06-01 12:00:00+02",
    "1900-01-01 00:00:00+00",
    "9998-12-31 23:59:59.999999+00",
    "infinity",
    "-infinity",
]
SENT = [
    datetime(2026, 12, 6, 23, 7, 42, 544501, tzinfo=UTC),
    datetime(2026, 12, 6, 23, 7, 42, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(1, 1, 1, tzinfo=UTC),  # asyncpg sends this instant as -infinity
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=-3))),
    datetime(2026, 12, 6, 23, 7, 42),  # naive: local time, to both
    date(2026, 12, 6),
    datetime.max,
    datetime.min,
]


async def _by_asyncpg(url: str, zone: str) -> tuple[list[Any], list[str]]:
    """What asyncpg's own (binary) codec reads and sends."""
    connection = await asyncpg.connect(url, server_settings={"TimeZone": zone})
    try:
        read = [await connection.fetchval(f"SELECT '{value}'::timestamptz") for value in STORED]
        sent = [await connection.fetchval("SELECT $1::timestamptz::text", value) for value in SENT]
        return read, sent
    finally:
        await connection.close()


@pytest.mark.backends("postgres")
@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris"])
async def test_timestamps_read_and_sent_as_asyncpg_does(
    settings: Settings, database_url: str, zone: str
) -> None:
    """Read as text and parsed by `datetime.fromisoformat` (cheaper than asyncpg's binary decoder), every
    timestamp is the value asyncpg's codec gives, in UTC, whatever the session's time zone; parameters mean
    the same instants."""
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            await connection.exec_driver_sql(f"SET TIME ZONE '{zone}'")
            read = [
                (await connection.execute(text(f"SELECT '{value}'::timestamptz"))).scalar_one()
                for value in STORED
            ]
            sent = [
                (
                    await connection.execute(text("SELECT CAST(:v AS timestamptz)::text"), {"v": value})
                ).scalar_one()
                for value in SENT
            ]
    finally:
        await engine.dispose()
    expected_read, expected_sent = await _by_asyncpg(database_url, zone)
    assert read == expected_read
    assert [value.tzinfo for value in read[:5]] == [UTC] * 5
    assert [value.utcoffset() for value in read] == [value.utcoffset() for value in expected_read]
    assert sent == expected_sent
