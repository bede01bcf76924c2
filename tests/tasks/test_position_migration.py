"""Migration 0009 on a database that already holds tasks: each gets its id as position (the manual order
starts as creation order), and it can be undone."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from taskagent import migrations
from taskagent.config import to_async_url
from taskagent.db import UTCDateTime
from tests.conftest import drop_postgres_database, new_postgres_database, require_service
from tests.services import POSTGRES_AVAILABLE

# Whatever 0009 comes after once the branches are merged.
_DOWN = ScriptDirectory.from_config(migrations.alembic_config()).get_revision("0009").down_revision
assert isinstance(_DOWN, str)
BEFORE: str = _DOWN

_STAMP = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
_USERS = sa.table(
    "users",
    sa.column("email", sa.String),
    sa.column("password_hash", sa.String),
    sa.column("timezone", sa.String),
    sa.column("created_at", UTCDateTime()),
)
_TASKS = sa.table(
    "tasks",
    *(sa.column(name, sa.String) for name in ("title", "status", "priority")),
    *(sa.column(name, sa.Integer) for name in ("owner_id", "priority_rank", "version")),
    sa.column("tags", sa.JSON),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
)


def _to(revision: str, downgrade: bool = False) -> Callable[[Connection], None]:
    def run(connection: Connection) -> None:
        config = migrations.alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if downgrade else command.upgrade)(config, revision)

    return run


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    require_service("PostgreSQL", POSTGRES_AVAILABLE)
    url = new_postgres_database(migrated=False)
    yield url
    drop_postgres_database(url)


async def _check(url: str) -> None:
    engine = create_async_engine(to_async_url(url))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_to(BEFORE))
            owner: int = (
                await connection.execute(
                    sa.insert(_USERS).returning(sa.column("id")),
                    [
                        {
                            "email": "a@example.com",
                            "password_hash": "x",
                            "timezone": "UTC",
                            "created_at": _STAMP,
                        }
                    ],
                )
            ).scalar_one()
            row = {"owner_id": owner, "status": "pending", "priority": "normal", "priority_rank": 1}
            row |= {"version": 1, "tags": [], "created_at": _STAMP, "updated_at": _STAMP}
            await connection.execute(
                sa.insert(_TASKS), [{**row, "title": t} for t in ("one", "two", "three")]
            )
            await connection.run_sync(_to("head"))
            rows = (await connection.execute(sa.text("SELECT id, position FROM tasks ORDER BY id"))).all()
            assert [position for _, position in rows] == [float(task_id) for task_id, _ in rows]
            assert len(rows) == 3
            await connection.run_sync(_to(BEFORE, downgrade=True))
            columns = await connection.run_sync(
                lambda c: [col["name"] for col in sa.inspect(c).get_columns("tasks")]
            )
            assert "position" not in columns and "title" in columns
    finally:
        await engine.dispose()


def test_existing_tasks_get_their_id_as_position_and_the_migration_undoes(empty_database: str) -> None:
    asyncio.run(_check(empty_database))
