"""The only code that queries the tasks table. Every statement is scoped to one owner, here."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, cast, exists, func, literal, or_, select, text, tuple_
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from taskagent.db import UTCDateTime
from taskagent.tasks.models import Task, TaskStatus
from taskagent.tasks.schemas import SortKey, TaskFilters

# Tasks with no due date sort after every dated one.
_NO_DUE_DATE = datetime(9999, 12, 31, tzinfo=UTC)


class InvalidCursorError(ValueError):
    pass


@dataclass(frozen=True)
class Page:
    tasks: Sequence[Task]
    next_cursor: str | None


def _sort_column(sort: SortKey) -> ColumnElement[Any]:
    field = sort.lstrip("-")
    if field == "due_date":
        return func.coalesce(Task.due_date, literal(_NO_DUE_DATE, UTCDateTime()))
    column: ColumnElement[Any] = getattr(Task, "priority_rank" if field == "priority" else field)
    return column


def _encode_cursor(sort: SortKey, key: Any, task_id: int) -> str:
    if isinstance(key, datetime):
        key = {"dt": key.isoformat()}
    raw = json.dumps([sort, key, task_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: SortKey) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, key, task_id = json.loads(raw)
        if isinstance(key, dict):
            key = datetime.fromisoformat(key["dt"])
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise InvalidCursorError("invalid cursor") from None
    if cursor_sort != sort or not isinstance(task_id, int):
        raise InvalidCursorError("the cursor belongs to another query; start again without it")
    return key, task_id


def _sort_value(task: Task, sort: SortKey) -> Any:
    field = sort.lstrip("-")
    if field == "due_date":
        return task.due_date or _NO_DUE_DATE
    if field == "priority":
        return task.priority_rank
    return getattr(task, field)


class TaskRepository:
    def __init__(self, session: AsyncSession, owner_id: int) -> None:
        self.session = session
        self.owner_id = owner_id

    def _owned(self) -> Select[Task]:
        return select(Task).where(Task.owner_id == self.owner_id)

    async def get(self, task_id: int, *, for_update: bool = False) -> Task | None:
        statement = self._owned().where(Task.id == task_id)
        if for_update:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def add(self, task: Task) -> Task:
        task.owner_id = self.owner_id
        self.session.add(task)
        await self.session.flush()
        return task

    async def delete(self, task: Task) -> None:
        assert task.owner_id == self.owner_id
        await self.session.delete(task)
        await self.session.flush()

    async def ancestors(self, task_id: int) -> list[int]:
        """Ids from `task_id` up to its root, to refuse cycles in parent links."""
        chain: list[int] = []
        current: int | None = task_id
        while current is not None and current not in chain:
            chain.append(current)
            statement = select(Task.parent_id).where(Task.owner_id == self.owner_id, Task.id == current)
            current = (await self.session.execute(statement)).scalar_one_or_none()
        return chain

    def _filtered(self, filters: TaskFilters) -> Select[Task]:
        statement = self._owned()
        if filters.status is not None:
            statement = statement.where(Task.status == filters.status)
        if filters.priority is not None:
            statement = statement.where(Task.priority == filters.priority)
        if filters.parent_id is not None:
            statement = statement.where(Task.parent_id == filters.parent_id)
        if filters.due_before is not None:
            statement = statement.where(Task.due_date < filters.due_before)
        if filters.due_after is not None:
            statement = statement.where(Task.due_date > filters.due_after)
        if filters.q:
            statement = statement.where(
                or_(
                    Task.title.icontains(filters.q, autoescape=True),
                    Task.description.icontains(filters.q, autoescape=True),
                )
            )
        if filters.tag is not None:
            statement = statement.where(self._has_tag(filters.tag))
        return statement

    def _has_tag(self, tag: str) -> ColumnElement[bool]:
        if self.session.get_bind().dialect.name == "postgresql":
            return cast(Task.tags, JSONB).contains([tag])
        each = func.json_each(Task.tags).table_valued("value")
        return exists(select(text("1")).select_from(each).where(each.c.value == tag))

    async def page(self, filters: TaskFilters, sort: SortKey, limit: int, cursor: str | None) -> Page:
        column = _sort_column(sort)
        descending = sort.startswith("-")
        statement = self._filtered(filters)
        if cursor is not None:
            key, last_id = _decode_cursor(cursor, sort)
            position = tuple_(column, Task.id)
            bound = tuple_(literal(key, column.type), literal(last_id))
            statement = statement.where(position < bound if descending else position > bound)
        order = (column.desc(), Task.id.desc()) if descending else (column.asc(), Task.id.asc())
        rows = (await self.session.execute(statement.order_by(*order).limit(limit + 1))).scalars().all()
        tasks = rows[:limit]
        next_cursor = None
        if len(rows) > limit:
            last = tasks[-1]
            next_cursor = _encode_cursor(sort, _sort_value(last, sort), last.id)
        return Page(tasks=tasks, next_cursor=next_cursor)

    async def search(
        self, filters: TaskFilters, *, limit: int, overdue_before: datetime | None = None
    ) -> list[Task]:
        statement = self._filtered(filters)
        if overdue_before is not None:
            statement = statement.where(
                and_(Task.due_date < overdue_before, Task.status != TaskStatus.completed)
            )
        statement = statement.order_by(Task.id).limit(limit)
        return list((await self.session.execute(statement)).scalars().all())

    async def open_tasks(self, limit: int = 200) -> list[Task]:
        statement = self._owned().where(Task.status != TaskStatus.completed).order_by(Task.id).limit(limit)
        return list((await self.session.execute(statement)).scalars().all())
