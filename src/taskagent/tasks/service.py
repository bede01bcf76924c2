"""Business rules for tasks, for one user. REST routes and agent tools both come through here."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from taskagent.audit.models import Channel, HistoryAction
from taskagent.audit.repository import HistoryRepository
from taskagent.db import utcnow
from taskagent.errors import Conflict, InvalidRequest, NotFound, PreconditionFailed, issue
from taskagent.tasks.models import PRIORITY_RANK, Task, TaskPriority, TaskStatus
from taskagent.tasks.pagination import Position
from taskagent.tasks.recurrence import (
    RepeatFrom,
    RuleError,
    check,
    following,
    next_due,
    parse_rule,
    shift,
)
from taskagent.tasks.reminders import NEEDS_DUE_DATE, delivery_columns, needs_due_date, shifted
from taskagent.tasks.repository import Page, TaskRepository
from taskagent.tasks.schemas import SortKey, TaskCreate, TaskFilters, TaskRead, TaskUpdate
from taskagent.webhooks.models import EventType
from taskagent.webhooks.outbox import OWNER_HAS_WEBHOOKS, EventData, enqueue

# What a task's trail leaves out: who owns it, the times that follow from the changes themselves, its
# place in the manual order (an arrangement of the list, not a change to the task; a drag would flood it)
# and the next occurrence's id (an answer, not a stored field).
_NOT_AUDITED = frozenset(
    {"id", "owner_id", "created_at", "updated_at", "completed_at", "version", "position", "next_id"}
)


class TaskNotFoundError(NotFound):
    description = "No such task for this user (also another user's task)"

    def __init__(self, task_id: int) -> None:
        super().__init__(f"Task {task_id} not found")
        self.task_id = task_id


class PreconditionFailedError(PreconditionFailed):
    """The caller's ETag is stale: the task changed since they read it."""

    description = "If-Match does not match the task's current ETag"

    def __init__(self) -> None:
        super().__init__("The task changed since you read it; fetch it again")


class ConcurrentUpdateError(Conflict):
    """Another request changed the task between this one's read and its write (no If-Match given)."""

    description = "Another request changed the task at the same moment; retry"

    def __init__(self) -> None:
        super().__init__("Another request changed the task at the same moment; try again")


class InvalidParentError(InvalidRequest, ValueError):
    """A parent_id that is not one of the user's tasks, or would make a cycle."""

    def __init__(self, message: str) -> None:
        super().__init__([issue(("body", "parent_id"), message)])


class InvalidRecurrenceError(InvalidRequest, ValueError):
    """A rule that gives the task no next date, or a repeating task without the due date it needs."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__([issue(("body", field), message)])


class InvalidRemindersError(InvalidRequest, ValueError):
    """A reminder before the due date on a task that has none."""

    def __init__(self, field: str) -> None:
        super().__init__([issue(("body", field), NEEDS_DUE_DATE)])


def _check_reminders(reminders: list[dict[str, Any]], due: datetime | None, *, due_given: bool) -> None:
    if needs_due_date(reminders, due):
        raise InvalidRemindersError("due_date" if due_given else "reminders")


def plan_reminders(task: Task, now: datetime) -> None:
    done = task.status == TaskStatus.completed
    for column, value in delivery_columns(task.reminders, task.due_date, done=done, now=now).items():
        setattr(task, column, value)


@dataclass(frozen=True)
class Updated:
    task: Task
    fields: dict[str, Any]  # the task as shown (JSON values), `next_id` included

    @property
    def next_id(self) -> int | None:
        """The next occurrence, made by completing a repeating task."""
        next_id: int | None = self.fields["next_id"]
        return next_id


class Versioned(Protocol):
    """A task as a row or an ORM object: what an ETag is made of."""

    @property
    def id(self) -> int: ...
    @property
    def version(self) -> int: ...


def etag(task: Versioned) -> str:
    return etag_of(task.id, task.version)


def etag_of(task_id: int, version: int) -> str:
    return f'"{task_id}-{version}"'


def _matches(if_match: str, task: Task) -> bool:
    # Weak tags are accepted too: a compressing proxy may have weakened the one we sent.
    candidates = {part.strip().removeprefix("W/") for part in if_match.split(",")}
    return "*" in candidates or etag(task) in candidates


def shown(task: Task | Mapping[str, Any]) -> dict[str, Any]:
    """The task as the REST API shows it (JSON values)."""
    fields: dict[str, Any] = TaskRead.model_validate(task).model_dump(mode="json")
    return fields


def audited_fields(task: Task | Mapping[str, Any]) -> dict[str, Any]:
    """The task's fields as the REST API shows them (JSON values), those a trail records."""
    return _audited(shown(task))


def _audited(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if name not in _NOT_AUDITED}


def _event(action: HistoryAction, changes: dict[str, Any]) -> EventType:
    """The webhook event of a change: an update that completes the task is `task.completed`."""
    if action == HistoryAction.created:
        return EventType.task_created
    if action == HistoryAction.deleted:
        return EventType.task_deleted
    status = changes.get("status")
    if isinstance(status, dict) and status.get("to") == TaskStatus.completed.value:
        return EventType.task_completed
    return EventType.task_updated


# A field at this value holds nothing worth a trail entry of its own (every task has it).
_UNSET = {"repeat_from": RepeatFrom.due.value}


def _set(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields that hold something: what a creation sets, what a deletion removes."""
    return {
        name: value
        for name, value in fields.items()
        if value is not None and value != [] and _UNSET.get(name, object()) != value
    }


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {
        name: {"from": before.get(name), "to": after.get(name)}
        for name in {**before, **after}
        if before.get(name) != after.get(name)
    }


def creation_changes(task: Task | Mapping[str, Any]) -> dict[str, Any]:
    """What the trail records when a task is created: each field it sets (an import records the same)."""
    return _diff({}, _set(audited_fields(task)))


class TaskService:
    """The user's tasks. Every change is recorded in the task's trail (`audit`) with `channel`, the way in
    the caller came through (set by each entry point, never by a model)."""

    def __init__(self, session: AsyncSession, user_id: int, channel: Channel = Channel.system) -> None:
        self.session, self.user_id = session, user_id
        self.repository = TaskRepository(session, user_id)
        self.history = HistoryRepository(session, user_id)
        self.channel = channel
        self.actor_id = None if channel == Channel.system else user_id

    async def _record(
        self, task_id: int, action: HistoryAction, changes: dict[str, Any], task: EventData
    ) -> None:
        """Every change to a task comes through here: its trail entry, and its webhook event in the same
        transaction (`task`: the task as shown, or a function making it, called if a webhook wants it)."""
        has_webhooks = await self.history.add(
            task_id,
            actor_id=self.actor_id,
            channel=self.channel,
            action=action,
            changes=changes,
            returning=OWNER_HAS_WEBHOOKS,
            values={"webhooks_owner_id": self.user_id},
        )
        await enqueue(self.session, self.user_id, _event(action, changes), task, has_webhooks=has_webhooks)

    async def get(self, task_id: int) -> Task:
        task = await self.repository.get(task_id)
        if task is None:
            raise TaskNotFoundError(task_id)
        return task

    async def view(self, task_id: int) -> dict[str, Any]:
        """The task as `GET /tasks/{id}` shows it (its columns by name, the version for the ETag)."""
        task = await self.repository.view(task_id)
        if task is None:
            raise TaskNotFoundError(task_id)
        return task

    async def zone(self) -> ZoneInfo:
        """The user's time zone, in which repeating rules are read."""
        return ZoneInfo(await self.repository.timezone())

    async def _check_rule(
        self, recurrence: str | None, repeat_from: RepeatFrom, due: datetime | None, *, due_given: bool
    ) -> None:
        if recurrence is None:
            return
        rule = parse_rule(recurrence)
        zone = await self.zone()
        try:
            # In a thread: a rule that never matches walks dateutil's calendar for seconds.
            await asyncio.to_thread(check, rule, repeat_from, due=due, now=utcnow(), zone=zone)
        except RuleError as exc:
            missing_due = due is None and repeat_from == RepeatFrom.due
            raise InvalidRecurrenceError(
                "due_date" if missing_due and due_given else "recurrence", str(exc)
            ) from None

    async def create(self, data: TaskCreate) -> Task:
        if data.parent_id is not None:
            await self._check_parent(data.parent_id, task_id=None)
        await self._check_rule(data.recurrence, data.repeat_from, data.due_date, due_given=True)
        reminders = [reminder.model_dump(mode="json") for reminder in data.reminders]
        _check_reminders(reminders, data.due_date, due_given=False)
        now = utcnow()
        task = Task(
            title=data.title,
            description=data.description,
            status=data.status,
            priority=data.priority,
            priority_rank=PRIORITY_RANK[data.priority],
            due_date=data.due_date,
            tags=list(data.tags),
            parent_id=data.parent_id,
            estimate_minutes=data.estimate_minutes,
            # Two tasks created at the same moment may share a position: ties are ordered by id.
            position=data.position if data.position is not None else await self.repository.next_position(),
            recurrence=data.recurrence,
            repeat_from=data.repeat_from,
            reminders=reminders,
            created_at=now,
            updated_at=now,
            completed_at=now if data.status == TaskStatus.completed else None,
        )
        plan_reminders(task, now)
        await self.repository.add(task)
        await self._record(task.id, HistoryAction.created, creation_changes(task), lambda: shown(task))
        return task

    async def _for_write(self, task_id: int, if_match: str | None) -> Task:
        task = await self.repository.get(task_id, for_update=True)
        if task is None:
            raise TaskNotFoundError(task_id)
        if if_match is not None and not _matches(if_match, task):
            raise PreconditionFailedError
        return task

    async def update(self, task_id: int, data: TaskUpdate, *, if_match: str | None = None) -> Task:
        return (await self.change(task_id, data, if_match=if_match)).task

    async def change(self, task_id: int, data: TaskUpdate, *, if_match: str | None = None) -> Updated:
        """Change the fields `data` sets (and only those); raises PreconditionFailedError when `if_match`
        is stale, ConcurrentUpdateError when another write slipped in after the read. Completing a
        repeating task makes its next occurrence (`Updated.next_id`)."""
        task = await self._for_write(task_id, if_match)
        before = audited_fields(task)
        changes = data.model_dump(exclude_unset=True)
        if changes.get("parent_id") is not None:
            await self._check_parent(changes["parent_id"], task_id=task.id)
        completing = changes.get("status") == TaskStatus.completed and task.status != TaskStatus.completed
        if {"recurrence", "repeat_from", "due_date"} & changes.keys() and not completing:
            await self._check_rule(
                changes.get("recurrence", task.recurrence),
                RepeatFrom(changes.get("repeat_from", task.repeat_from)),
                changes.get("due_date", task.due_date),
                due_given="due_date" in changes,
            )
        if "reminders" in changes:
            changes["reminders"] = [reminder.model_dump(mode="json") for reminder in data.reminders or []]
        if {"reminders", "due_date"} & changes.keys():
            _check_reminders(
                changes.get("reminders", task.reminders),
                changes.get("due_date", task.due_date),
                due_given="due_date" in changes,
            )
        for field, value in changes.items():
            setattr(task, field, value)
        if {"reminders", "due_date", "status"} & changes.keys():
            plan_reminders(task, utcnow())
        if "priority" in changes:
            task.priority_rank = PRIORITY_RANK[TaskPriority(task.priority)]
        if "status" in changes:
            done = task.status == TaskStatus.completed
            if done and task.completed_at is None:
                task.completed_at = utcnow()
            elif not done:
                task.completed_at = None
        if changes:
            task.updated_at = utcnow()  # an UPDATE, which also bumps the version (the ETag)
        following_task = None
        if completing and task.recurrence is not None:
            following_task = await self._next_occurrence(task)
        try:
            await self.repository.flush()
        except StaleDataError:
            raise self._lost_race(if_match) from None
        after = shown(task)
        if diff := _diff(before, _audited(after)):  # a write that changes nothing leaves no entry
            await self._record(task.id, HistoryAction.updated, diff, after)
        return Updated(task, {**after, "next_id": None if following_task is None else following_task.id})

    async def _next_occurrence(self, task: Task) -> Task | None:
        """The next occurrence of the repeating `task`, just completed: the same fields, the next due
        date, its subtasks copied open. The rule moves to it, so `task` (the history) repeats no more."""
        assert task.recurrence is not None and task.completed_at is not None
        rule = parse_rule(task.recurrence)
        task.recurrence = None
        zone = await self.zone()
        try:
            due = await asyncio.to_thread(
                next_due,
                rule,
                RepeatFrom(task.repeat_from),
                due=task.due_date,
                completed_at=task.completed_at,
                zone=zone,
            )
        except RuleError:  # checked when set; a rule dateutil fails on later still ends only its series
            due = None
        if due is None:  # the rule is used up (e.g. an imported UNTIL): the series ends here
            return None
        rest = following(rule)
        subtasks = await self.repository.descendants(task.id)
        moved = None if task.due_date is None else due - task.due_date
        now = utcnow()
        first = await self._copy(task, parent_id=task.parent_id, due=due, now=now, moved=moved)
        first.recurrence = None if rest is None else rest.text
        first.repeat_from = task.repeat_from
        await self.repository.flush()
        await self._record(first.id, HistoryAction.created, creation_changes(first), lambda: shown(first))
        copies = {task.id: first.id}
        for subtask in subtasks:  # level by level: a parent is copied before its subtasks
            copy = await self._copy(
                subtask,
                parent_id=copies[subtask.parent_id or task.id],
                due=shift(subtask.due_date, moved),
                now=now,
                moved=moved,
            )
            copies[subtask.id] = copy.id
            await self._record(copy.id, HistoryAction.created, creation_changes(copy), partial(shown, copy))
        return first

    async def _copy(
        self,
        task: Task,
        *,
        parent_id: int | None,
        due: datetime | None,
        now: datetime,
        moved: timedelta | None,
    ) -> Task:
        """An open copy of `task` (not repeating), its reminders moved by `moved` with the due date."""
        copy = Task(
            title=task.title,
            description=task.description,
            status=TaskStatus.pending,
            priority=task.priority,
            priority_rank=task.priority_rank,
            due_date=due,
            tags=list(task.tags),
            parent_id=parent_id,
            estimate_minutes=task.estimate_minutes,
            position=task.position,  # the next occurrence takes the completed one's place in the order
            recurrence=None,
            repeat_from=RepeatFrom.due,
            reminders=shifted(task.reminders, moved),
            created_at=now,
            updated_at=now,
        )
        plan_reminders(copy, now)
        return await self.repository.add(copy)

    async def delete(self, task_id: int, *, if_match: str | None = None) -> Task:
        """Delete the task and its subtasks (the database cascades); each gets its trail's last entry."""
        task = await self._for_write(task_id, if_match)
        gone = [task, *await self.repository.descendants(task.id)]
        last_seen = [(each.id, shown(each)) for each in gone]
        try:
            await self.repository.delete(task)
        except StaleDataError:
            raise self._lost_race(if_match) from None
        for each_id, fields in last_seen:
            await self._record(each_id, HistoryAction.deleted, _diff(_set(_audited(fields)), {}), fields)
        return task

    @staticmethod
    def _lost_race(if_match: str | None) -> Exception:
        # PostgreSQL locks the row when reading it for a write, so only SQLite gets here.
        return PreconditionFailedError() if if_match is not None else ConcurrentUpdateError()

    async def page(self, filters: TaskFilters, sort: SortKey, limit: int, after: Position | None) -> Page:
        return await self.repository.page(filters, sort, limit, after)

    async def search(
        self, filters: TaskFilters, *, limit: int = 50, overdue_at: datetime | None = None
    ) -> list[Task]:
        return await self.repository.search(filters, limit=limit, overdue_before=overdue_at)

    async def open_tasks(self) -> list[Task]:
        return await self.repository.open_tasks()

    async def _check_parent(self, parent_id: int, task_id: int | None) -> None:
        if await self.repository.get(parent_id) is None:
            # The same answer for another user's task as for a missing one.
            raise InvalidParentError(f"parent task {parent_id} not found")
        if task_id is not None and task_id in await self.repository.ancestors(parent_id):
            raise InvalidParentError("a task cannot be a subtask of itself or of its own subtasks")
