"""The only code that touches the task_history table; every statement is scoped to one owner."""

from __future__ import annotations

import functools
import typing
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from taskagent.audit.models import Channel, HistoryAction, TaskHistory
from taskagent.auth.models import User
from taskagent.db import utcnow

# A task's trail as one answer: the newest entries when there are more (a task edited all day for years).
MAX_ENTRIES = 1000
# Rows per INSERT of `add_many`.
_INSERT_PAGE = 500
_INSERT = insert(typing.cast(Table, TaskHistory.__table__))


@functools.cache
def _insert_returning(expression: ColumnElement[Any]) -> ReturningInsert[tuple[Any]]:
    # Built once per expression: SQLAlchemy then computes the statement's cache key once.
    return _INSERT.returning(expression)


class HistoryRepository:
    def __init__(self, session: AsyncSession, owner_id: int) -> None:
        self.session = session
        self.owner_id = owner_id

    async def add(
        self,
        task_id: int,
        *,
        actor_id: int | None,
        channel: Channel,
        action: HistoryAction,
        changes: dict[str, Any],
        returning: ColumnElement[Any] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> Any:
        """Record a change in the caller's transaction (written with the change, or not at all). A Core
        INSERT, sent now: the unit of work's flush of one new row cost more than the statement. With
        `returning`, the statement also reads that expression (of other tables: one round trip for
        both) and returns its value; its bound parameters come from `values`."""
        row = {
            "owner_id": self.owner_id,
            "task_id": task_id,
            "at": utcnow(),
            "actor_id": actor_id,
            "channel": channel,
            "action": action,
            "changes": changes,
        }
        if returning is None:
            await self.session.execute(_INSERT, row)
            return None
        return (
            await self.session.execute(_insert_returning(returning), {**row, **(values or {})})
        ).scalar_one()

    async def add_many(
        self,
        entries: Sequence[tuple[int, dict[str, Any]]],
        *,
        actor_id: int | None,
        channel: Channel,
        action: HistoryAction,
    ) -> None:
        """Record many changes (task id, changes) at once, a page of rows a statement (an import)."""
        at = utcnow()
        for start in range(0, len(entries), _INSERT_PAGE):
            rows = [
                {
                    "owner_id": self.owner_id,
                    "task_id": task_id,
                    "at": at,
                    "actor_id": actor_id,
                    "channel": channel,
                    "action": action,
                    "changes": changes,
                }
                for task_id, changes in entries[start : start + _INSERT_PAGE]
            ]
            await self.session.execute(insert(TaskHistory), rows)

    async def entries(self, task_id: int, limit: int = MAX_ENTRIES) -> list[tuple[TaskHistory, str | None]]:
        """The task's entries (with the actor's email), oldest first.

        Only those since the task's latest creation: SQLite may give a new task the id of a deleted one
        (the highest), and the new task's trail must not begin with the old one's."""
        mine = (TaskHistory.owner_id == self.owner_id, TaskHistory.task_id == task_id)
        created = await self.session.scalar(
            select(func.max(TaskHistory.id)).where(*mine, TaskHistory.action == HistoryAction.created)
        )
        statement = (
            select(TaskHistory, User.email)
            .outerjoin(User, User.id == TaskHistory.actor_id)
            .where(*mine, TaskHistory.id >= (created or 0))
            .order_by(TaskHistory.id.desc())
            .limit(limit)
        )
        rows = (await self.session.execute(statement)).all()
        return [(row[0], row[1]) for row in reversed(rows)]

    async def all_entries(self) -> Sequence[TaskHistory]:
        """Every entry of the owner's tasks, deleted ones included (the export)."""
        statement = select(TaskHistory).where(TaskHistory.owner_id == self.owner_id).order_by(TaskHistory.id)
        return (await self.session.execute(statement)).scalars().all()
