"""The only code that queries the tasks table. Every statement is scoped to one owner, here."""

from __future__ import annotations

import functools
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Enum,
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    cast,
    exists,
    false,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    text,
    tuple_,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from taskagent.auth.models import User
from taskagent.db import UTCDateTime, is_row_id
from taskagent.tasks.models import Task, TaskStatus
from taskagent.tasks.pagination import Position, SortValue
from taskagent.tasks.schemas import SortKey, TaskFilters, TaskRead

# Tasks with no due date sort after every dated one, in both directions: the stand-in for a missing due
# date is past the latest allowed date when sorting up, and before the earliest when sorting down.
_NO_DUE_DATE_ASCENDING = datetime(9999, 12, 31, tzinfo=UTC)
_NO_DUE_DATE_DESCENDING = datetime(1, 1, 1, tzinfo=UTC)


_TASKS = typing.cast(Table, Task.__table__)
# What is shown of a task (a page, `GET /tasks/{id}`): every column but the reminder worker's bookkeeping,
# in the response's order (`SHOWN_FIELDS`; `next_id`, a field of an update's answer, as NULL), then those
# it leaves out (`version`, `priority_rank`): the router encodes the rows as they are (`schemas.TaskShown`).
# Enumerations come as the stored strings, which the JSON shows (SQLAlchemy's conversion of every value
# cost more than the encoding).
SHOWN_FIELDS = tuple(TaskRead.model_fields)
_NOT_SHOWN = {"next_reminder_at", "reminded_until"}


def _shown_column(name: str) -> ColumnElement[Any]:
    if name not in _TASKS.c:
        return null().label(name)
    column = _TASKS.c[name]
    return type_coerce(column, String()).label(name) if isinstance(column.type, Enum) else column


_SHOWN_COLUMNS: tuple[ColumnElement[Any], ...] = tuple(
    _shown_column(name)
    for name in (*SHOWN_FIELDS, *(c.name for c in _TASKS.c if c.name not in {*SHOWN_FIELDS, *_NOT_SHOWN}))
)
_SHOWN = select(*_SHOWN_COLUMNS)  # built once: each column's coercion cost more than the rest of a query
# The statements of every request are built once with their parameters named (`owner_id`, `task_id`...):
# SQLAlchemy then computes each one's cache key once, where building and keying it for every request cost
# as much as reading a task. `_OWNER` is `TaskRepository._mine` with the owner as a parameter.
_OWNER = _TASKS.c.owner_id == bindparam("owner_id")
_THE_TASK = _TASKS.c.id == bindparam("task_id")
_SHOWN_ONE = _SHOWN.where(_OWNER, _THE_TASK)
_ONE = select(Task).where(_OWNER, _THE_TASK)
_ONE_FOR_UPDATE = _ONE.with_for_update()
_CHILDREN = (
    select(Task)
    .where(_OWNER, _TASKS.c.parent_id.in_(bindparam("parents", expanding=True)))
    .order_by(_TASKS.c.id)
)
_NEXT_POSITION = select(func.coalesce(func.max(_TASKS.c.position), 0.0)).where(_OWNER)
# Rows per INSERT of `add_many`.
_INSERT_PAGE = 500


@dataclass(frozen=True)
class Page:
    tasks: Sequence[
        dict[str, Any]
    ]  # each task's columns by name, for display (no ORM objects: cheaper by far)
    next: Position | None  # where the next page starts after; None on the last page


def _missing_due_date(sort: SortKey) -> datetime:
    return _NO_DUE_DATE_DESCENDING if sort.startswith("-") else _NO_DUE_DATE_ASCENDING


def _sort_column(sort: SortKey, dialect: str) -> ColumnElement[Any]:
    field = sort.lstrip("-")
    if field == "due_date":
        return func.coalesce(_TASKS.c.due_date, _missing_due_date_in_sql(sort, dialect))
    column: ColumnElement[Any] = _TASKS.c["priority_rank" if field == "priority" else field]
    return column


def _missing_due_date_in_sql(sort: SortKey, dialect: str) -> ColumnElement[Any]:
    missing = _missing_due_date(sort)
    if dialect != "postgresql":
        return literal(missing, UTCDateTime())
    # A constant of the SQL text, not a parameter: the plan can then use the expression indexes on this
    # order (ix_tasks_owner_due_up / _down); with a parameter every due-date page read and sorted all of
    # the user's matching tasks. (Nor may a page compare it with a parameter: the driver sends the
    # earliest date as -infinity.)
    return literal_column(f"'{missing.isoformat()}'::timestamptz", UTCDateTime())


def sort_value(task: Mapping[str, Any], sort: SortKey) -> SortValue:
    """The value `sort` orders `task` (its columns by name) by, as the database computes it."""
    field = sort.lstrip("-")
    if field == "due_date":
        return task["due_date"] or _missing_due_date(sort)
    value: SortValue = task["priority_rank" if field == "priority" else field]
    return value


class TaskRepository:
    def __init__(self, session: AsyncSession, owner_id: int) -> None:
        self.session = session
        self.owner_id = owner_id

    def _mine(self) -> ColumnElement[bool]:
        """The owner filter: every statement below carries it (ORM and Core alike, hence the table's
        column rather than the mapped attribute, which would make a Core statement an ORM one)."""
        return _TASKS.c.owner_id == self.owner_id

    def _owned(self) -> Select[Task]:
        return select(Task).where(self._mine())

    async def view(self, task_id: int) -> dict[str, Any] | None:
        """One task as shown, by column name (a Core read: nothing of it will change), or None."""
        if not is_row_id(task_id):
            return None
        result = await self.session.execute(_SHOWN_ONE, {"owner_id": self.owner_id, "task_id": task_id})
        row = result.one_or_none()
        return None if row is None else dict(zip(result.keys(), row, strict=True))

    async def get(self, task_id: int, *, for_update: bool = False) -> Task | None:
        if not is_row_id(task_id):  # no such row can exist; PostgreSQL would refuse the parameter
            return None
        if for_update and self._dialect == "sqlite":
            await self._take_sqlite_write_lock(task_id)
        statement = _ONE_FOR_UPDATE if for_update else _ONE
        params = {"owner_id": self.owner_id, "task_id": task_id}
        return (await self.session.execute(statement, params)).scalar_one_or_none()

    @property
    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    async def _take_sqlite_write_lock(self, task_id: int) -> None:
        """SQLite has no SELECT ... FOR UPDATE. A write that changes nothing takes the database's write
        lock (waiting for the current writer), so the read that follows sees the latest commit and no
        other request can commit before this one: a check of If-Match and the write that follows are
        atomic, and a write without If-Match never fails because another slipped in between."""
        # Core: no ORM version check on this no-op
        await self.session.execute(
            update(_TASKS).where(self._mine(), Task.id == task_id).values(version=Task.version)
        )

    async def add(self, task: Task) -> Task:
        task.owner_id = self.owner_id
        self.session.add(task)
        await self.session.flush()
        return task

    async def add_many(self, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Insert tasks given as columns by name (an import): one multi-row INSERT per page of rows instead
        of a flush per ORM object; the new ids come back in the order of `rows`. Every row gets this
        owner, whatever it says."""
        statement = insert(_TASKS).returning(_TASKS.c.id, sort_by_parameter_order=True)
        ids: list[int] = []
        # A statement per page: SQLAlchemy prepares every row's parameters before sending the first, on the
        # event loop; 40,000 rows at once held it for over a second.
        for start in range(0, len(rows), _INSERT_PAGE):
            values = [{**row, "owner_id": self.owner_id} for row in rows[start : start + _INSERT_PAGE]]
            ids.extend((await self.session.execute(statement, values)).scalars())
        return ids

    async def next_position(self) -> float:
        """A position after every task of the owner's (1 when they have none): where new tasks go."""
        highest = (await self.session.execute(_NEXT_POSITION, {"owner_id": self.owner_id})).scalar_one()
        return float(highest) + 1.0

    async def timezone(self) -> str:
        """The owner's time zone (rules repeat on its wall clock)."""
        statement = select(User.timezone).where(User.id == self.owner_id)
        return (await self.session.execute(statement)).scalar_one_or_none() or "UTC"

    async def flush(self) -> None:
        await self.session.flush()

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
            statement = select(Task.parent_id).where(self._mine(), Task.id == current)
            current = (await self.session.execute(statement)).scalar_one_or_none()
        return chain

    async def descendants(self, task_id: int) -> list[Task]:
        """The task's subtasks, theirs, and so on (what deleting it deletes), level by level."""
        found: list[Task] = []
        level = [task_id]
        seen = {task_id}
        while level:
            params = {"owner_id": self.owner_id, "parents": level}
            children = [
                t for t in (await self.session.execute(_CHILDREN, params)).scalars() if t.id not in seen
            ]
            seen.update(child.id for child in children)
            found.extend(children)
            level = [child.id for child in children]
        return found

    def _filtered(self, filters: TaskFilters) -> Select[Task]:
        return self._owned().where(*_conditions(_filter_shape(filters), self._dialect))

    async def page(self, filters: TaskFilters, sort: SortKey, limit: int, after: Position | None) -> Page:
        """One page in `sort` order (ties broken by id), starting after `after`: keyset pagination."""
        params = {**_filter_params(filters, self._dialect), "owner_id": self.owner_id, "limit": limit + 1}
        start = "first"
        if after is not None:
            undated = sort.lstrip("-") == "due_date" and after.key == _missing_due_date(sort)
            start = "after_undated" if undated else "after"
            params |= {"after_key": after.key, "after_id": after.task_id}
        statement = _page_statement(self._dialect, sort, _filter_shape(filters), start)
        result = await self.session.execute(statement, params)
        names = list(result.keys())
        # Plain dicts: building them from the tuples costs half of what Row._asdict does. The rows are
        # fetched at once (`all`): iterating the result fetched each through several calls.
        rows = [dict(zip(names, row, strict=True)) for row in result.all()]
        tasks = rows[:limit]
        next_position = None
        if len(rows) > limit:
            last = tasks[-1]
            next_position = Position(key=sort_value(last, sort), task_id=last["id"])
        return Page(tasks=tasks, next=next_position)

    async def search(
        self, filters: TaskFilters, *, limit: int, overdue_before: datetime | None = None
    ) -> list[Task]:
        statement = self._filtered(filters)
        if overdue_before is not None:
            statement = statement.where(
                and_(Task.due_date < overdue_before, Task.status != TaskStatus.completed)
            )
        statement = statement.order_by(Task.id).limit(limit)
        params = _filter_params(filters, self._dialect)  # the owner is bound by `_owned`
        return list((await self.session.execute(statement, params)).scalars().all())

    async def open_tasks(self, limit: int = 200) -> list[Task]:
        statement = self._owned().where(Task.status != TaskStatus.completed).order_by(Task.id).limit(limit)
        return list((await self.session.execute(statement)).scalars().all())


# --- the filters and pages of `GET /tasks` -------------------------------------------------------------
# A statement's shape (which filters are given, the sort, where the page starts) is apart from its values
# (the parameters): each shape is built once, so SQLAlchemy neither builds it nor computes its cache key
# for every request (that cost about as much as reading the page's 50 rows).

_VALUE_FILTERS = ("status", "priority", "parent_id", "due_before", "due_after", "tag")


def _filter_shape(filters: TaskFilters) -> tuple[str, ...]:
    """Which filters are given (their names; a parent id that can name no row, and whether repeating
    tasks are wanted or not, change the statement itself; an empty `q` is no filter)."""
    shape = [name for name in _VALUE_FILTERS if getattr(filters, name) is not None]
    if filters.parent_id is not None and not is_row_id(filters.parent_id):
        shape[shape.index("parent_id")] = "no_parent"
    if filters.q:
        shape.append("q")
    if filters.repeating is not None:
        shape.append("repeating" if filters.repeating else "not_repeating")
    return tuple(shape)


def _filter_params(filters: TaskFilters, dialect: str) -> dict[str, Any]:
    """The filters' values, by the names of the parameters `_conditions` gives them."""
    plain = ("status", "priority", "parent_id", "due_before", "due_after")
    params: dict[str, Any] = {name: getattr(filters, name) for name in plain}
    if filters.q:
        # `q` anywhere in the title or description, its own % and _ meaning themselves.
        escaped = filters.q.replace("/", "//").replace("%", "/%").replace("_", "/_")
        params["q"] = f"%{escaped}%"
    if filters.tag is not None:
        params["tag"] = [filters.tag] if dialect == "postgresql" else filters.tag
    return params


# Each filter as a condition on the table's columns (Core and ORM statements alike), its value a named
# parameter (`_filter_params`); the tag's depends on the dialect (`_has_tag`).
_CONDITIONS: dict[str, ColumnElement[bool]] = {
    "status": _TASKS.c.status == bindparam("status"),
    "priority": _TASKS.c.priority == bindparam("priority"),
    "parent_id": _TASKS.c.parent_id == bindparam("parent_id"),
    "no_parent": false(),
    "due_before": _TASKS.c.due_date < bindparam("due_before"),
    "due_after": _TASKS.c.due_date > bindparam("due_after"),
    "q": or_(
        _TASKS.c.title.ilike(bindparam("q"), escape="/"),
        _TASKS.c.description.ilike(bindparam("q"), escape="/"),
    ),
    "repeating": _TASKS.c.recurrence.is_not(None),
    "not_repeating": _TASKS.c.recurrence.is_(None),
}


def _conditions(shape: tuple[str, ...], dialect: str) -> list[ColumnElement[bool]]:
    return [_has_tag(dialect) if name == "tag" else _CONDITIONS[name] for name in shape]


def _has_tag(dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        return cast(_TASKS.c.tags, JSONB).contains(bindparam("tag", type_=JSONB))
    each = func.json_each(_TASKS.c.tags).table_valued("value")
    return exists(select(text("1")).select_from(each).where(each.c.value == bindparam("tag")))


@functools.lru_cache(maxsize=1024)
def _page_statement(dialect: str, sort: SortKey, shape: tuple[str, ...], start: str) -> Select[Any]:
    """A page's statement; `start`: the first page, after a task, or after an undated task (due-date
    orders, where only undated tasks follow, by id)."""
    column = _sort_column(sort, dialect)
    descending = sort.startswith("-")
    task_id = _TASKS.c.id
    # Core, not ORM: the page is shown, never changed, and ORM loading cost more than the rows.
    statement = _SHOWN.where(_OWNER, *_conditions(shape, dialect))
    if start == "after_undated":
        after_id = bindparam("after_id", type_=Integer())
        later = task_id < after_id if descending else task_id > after_id
        statement = statement.where(column == _missing_due_date_in_sql(sort, dialect), later)
    elif start == "after":
        position = tuple_(column, task_id)
        bound = tuple_(bindparam("after_key", type_=column.type), bindparam("after_id", type_=Integer()))
        statement = statement.where(position < bound if descending else position > bound)
    order = (column.desc(), task_id.desc()) if descending else (column.asc(), task_id.asc())
    return statement.order_by(*order).limit(bindparam("limit", type_=Integer()))
