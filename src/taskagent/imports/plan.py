"""An import read from a file and checked, before anything is stored: the tasks to create, each parent
link pointing at another task of the same plan. Reading a file is CPU work on up to 10 MB: it runs in a
worker thread (see the router), so nothing here touches the database or the event loop.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from taskagent.errors import InvalidRequest, PayloadTooLarge, issue
from taskagent.exports.service import EXPORT_FORMAT, EXPORT_VERSION
from taskagent.imports.schemas import ImportDocument, ImportedTask, ImportSkipped
from taskagent.tasks.models import PRIORITY_RANK, TaskPriority, TaskStatus
from taskagent.tasks.recurrence import RepeatFrom
from taskagent.tasks.reminders import delivery_columns

MAX_IMPORT_TASKS = 50_000


class TooManyTasksError(PayloadTooLarge):
    description = "The body is over 10 MB, or the file holds more than 50,000 tasks"

    def __init__(self) -> None:
        super().__init__(
            f"The file holds more than {MAX_IMPORT_TASKS:,} tasks; split it into several imports"
        )


@dataclass
class PlannedTask:
    title: str
    description: str | None = None
    status: TaskStatus = TaskStatus.pending
    priority: TaskPriority = TaskPriority.normal
    due_date: datetime | None = None
    tags: list[str] = field(default_factory=list)
    estimate_minutes: int | None = None
    position: float | None = None
    recurrence: str | None = None
    repeat_from: RepeatFrom = RepeatFrom.due
    reminders: list[dict[str, Any]] = field(default_factory=list)
    created_at: datetime | None = None
    completed_at: datetime | None = None
    parent: int | None = None  # the index of its parent in the plan

    def row(self, parent_id: int | None, now: datetime, position: int, first: float) -> dict[str, Any]:
        """The task's columns, for the repository's insert. Without a creation time of its own, a task
        is made `position` microseconds after `now`: lists (oldest first) then show the file's order.
        Without a manual position of its own, it gets `first + position`: after the user's tasks (`first`
        is past them all), in the file's order."""
        done = self.status == TaskStatus.completed
        return {
            "title": self.title,
            "description": self.description,
            "status": self.status,
            "priority": self.priority,
            "priority_rank": PRIORITY_RANK[self.priority],
            "due_date": self.due_date,
            "tags": list(self.tags),
            "parent_id": parent_id,
            "estimate_minutes": self.estimate_minutes,
            "position": first + position if self.position is None else self.position,
            "recurrence": self.recurrence,
            "repeat_from": self.repeat_from,
            "reminders": self.reminders,
            # As for a task created now: reminders whose time has passed are not sent.
            **delivery_columns(self.reminders, self.due_date, done=done, now=now),
            "version": 1,
            "created_at": self.created_at or now + timedelta(microseconds=position),
            "updated_at": now,
            "completed_at": (self.completed_at or now) if done else None,
        }


@dataclass
class ImportPlan:
    tasks: list[PlannedTask]
    skipped: ImportSkipped = field(default_factory=ImportSkipped)

    def levels(self) -> list[list[int]]:
        """The tasks' indexes by depth: roots first, then their subtasks, and so on, so that parents are
        stored before their children. `check_links` made sure the links form no cycle."""
        depth = _depths([task.parent for task in self.tasks])
        levels: list[list[int]] = [[] for _ in range(max(depth, default=-1) + 1)]
        for index, level in enumerate(depth):
            levels[level].append(index)
        return levels


class CycleError(ValueError):
    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


def _depths(parents: Sequence[int | None]) -> list[int]:
    """Each task's depth under its parent links (0: no parent); CycleError names a task in a cycle."""
    depth: list[int | None] = [None] * len(parents)
    for start in range(len(parents)):
        path: list[int] = []
        seen: set[int] = set()
        current: int | None = start
        while current is not None and depth[current] is None:
            if current in seen:
                raise CycleError(current)
            seen.add(current)
            path.append(current)
            current = parents[current]
        base = -1 if current is None else depth[current]
        assert base is not None
        for index in reversed(path):
            base += 1
            depth[index] = base
    return [level or 0 for level in depth]


def decode(body: bytes) -> str:
    try:
        return body.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise InvalidRequest.at(
            ("body",), f"the file is not UTF-8 text (byte {exc.start})", "unicode_invalid"
        ) from None


_TASKS = TypeAdapter(list[ImportedTask])
_VALIDATION_PAGE = 500
T = TypeVar("T")


def _validated(validate: Callable[[], T], where: tuple[str, ...], offset: int = 0) -> T:
    """`validate()`, its errors as a 422 located in the body (list positions shifted by `offset`)."""
    try:
        return validate()
    except ValidationError as exc:
        raise InvalidRequest(
            issue(("body", *where, *_shifted(error["loc"], offset)), error["msg"], error["type"])
            for error in exc.errors(include_url=False, include_input=False, include_context=False)
        ) from None


def _shifted(loc: tuple[int | str, ...], offset: int) -> tuple[int | str, ...]:
    if loc and isinstance(loc[0], int):
        return (loc[0] + offset, *loc[1:])
    return loc


def read_export(body: bytes) -> ImportPlan:
    """Our own JSON export, checked whole: any problem is a 422 naming the task and field
    (`["body", "tasks", 3, "title"]`)."""
    text = decode(body)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidRequest.at(
            ("body",), f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", "json_invalid"
        ) from None
    except RecursionError:
        raise InvalidRequest.at(("body",), "not valid JSON: nested too deeply", "json_invalid") from None
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise InvalidRequest.at(
            ("body", "format"),
            f'not a TaskAgent export (its "format" must be "{EXPORT_FORMAT}"); '
            "a Todoist CSV export needs ?format=todoist",
            "import_format",
        )
    if data.get("version") != EXPORT_VERSION:
        raise InvalidRequest.at(
            ("body", "version"), f"unsupported export version; this server reads version {EXPORT_VERSION}"
        )
    tasks = data.get("tasks")
    if isinstance(tasks, list) and len(tasks) > MAX_IMPORT_TASKS:  # before validating them all
        raise TooManyTasksError
    # The envelope first, then the tasks a page at a time: one validation call holds the GIL until it
    # returns (this thread's work would stall the event loop for the whole file), a page only briefly.
    document = _validated(lambda: ImportDocument.model_validate({**data, "tasks": []}), ())
    if not isinstance(tasks, list):
        missing = "tasks" not in data
        raise InvalidRequest.at(
            ("body", "tasks"),
            "Field required" if missing else "Input should be a valid list",
            "missing" if missing else "list_type",
        )
    items: list[ImportedTask] = []
    for start in range(0, len(tasks), _VALIDATION_PAGE):
        page = tasks[start : start + _VALIDATION_PAGE]
        items.extend(_validated(partial(_TASKS.validate_python, page), ("tasks",), start))
    plan = ordered(items)
    plan.skipped.conversations = len(document.conversations)
    return plan


def ordered(items: Sequence[ImportedTask]) -> ImportPlan:
    """The file's tasks, in the file's order, with their parent links turned into plan indexes. A link
    to an id that is not in the file, a repeated id, or a cycle is a 422: the file's ids are never
    looked up in the database."""
    index_of: dict[int, int] = {}
    for position, item in enumerate(items):
        if item.id is None:
            continue
        if item.id in index_of:
            raise InvalidRequest.at(
                ("body", "tasks", position, "id"), f"id {item.id} is used by two tasks of the file"
            )
        index_of[item.id] = position
    parents: list[int | None] = []
    for position, item in enumerate(items):
        if item.parent_id is None:
            parents.append(None)
        elif item.parent_id not in index_of:
            raise InvalidRequest.at(
                ("body", "tasks", position, "parent_id"),
                f"parent_id {item.parent_id} is not the id of a task in this file",
            )
        else:
            parents.append(index_of[item.parent_id])
    try:
        _depths(parents)
    except CycleError as cycle:
        raise InvalidRequest.at(
            ("body", "tasks", cycle.index, "parent_id"),
            "the parent links form a cycle: a task cannot be a subtask of itself or of its own subtasks",
        ) from None
    return ImportPlan(
        [
            PlannedTask(
                title=item.title,
                description=item.description,
                status=item.status,
                priority=item.priority,
                due_date=item.due_date,
                tags=list(item.tags),
                estimate_minutes=item.estimate_minutes,
                position=item.position,
                recurrence=item.recurrence,
                repeat_from=item.repeat_from,
                reminders=[reminder.model_dump(mode="json") for reminder in item.reminders],
                created_at=item.created_at,
                completed_at=item.completed_at,
                parent=parent,
            )
            for item, parent in zip(items, parents, strict=True)
        ]
    )
