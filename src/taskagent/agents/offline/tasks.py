"""The engine's read-only view of a task, as the tools return it (the REST `TaskRead` JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from taskagent.tasks.recurrence import RepeatFrom, describe

from .dates import describe_day, parse_iso

PRIORITY_RANK = {"urgent": 3, "high": 2, "normal": 1, "low": 0}


@dataclass(frozen=True)
class TaskInfo:
    id: int
    title: str
    status: str = "pending"
    priority: str = "normal"
    due_date: datetime | None = None
    description: str | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)
    estimate_minutes: int | None = None
    parent_id: int | None = None
    recurrence: str | None = None
    repeat_from: str = "due"
    reminders: tuple[dict[str, Any], ...] = field(default=(), compare=False)

    @classmethod
    def from_json(cls, data: object) -> TaskInfo | None:
        """A task from a tool result; None when `data` does not look like one."""
        if not isinstance(data, Mapping):
            return None
        task_id, title = data.get("id"), data.get("title")
        if not isinstance(task_id, int) or isinstance(task_id, bool) or not isinstance(title, str):
            return None
        tags = data.get("tags")
        estimate = data.get("estimate_minutes")
        parent = data.get("parent_id")
        description = data.get("description")
        recurrence, reminders = data.get("recurrence"), data.get("reminders")
        return cls(
            id=task_id,
            title=title,
            status=str(data.get("status") or "pending"),
            priority=str(data.get("priority") or "normal"),
            due_date=parse_iso(data.get("due_date")),
            description=description if isinstance(description, str) and description else None,
            tags=tuple(str(tag) for tag in tags) if isinstance(tags, list) else (),
            estimate_minutes=estimate
            if isinstance(estimate, int) and not isinstance(estimate, bool)
            else None,
            parent_id=parent if isinstance(parent, int) and not isinstance(parent, bool) else None,
            recurrence=recurrence if isinstance(recurrence, str) and recurrence else None,
            repeat_from=str(data.get("repeat_from") or "due"),
            reminders=tuple(dict(item) for item in reminders if isinstance(item, Mapping))
            if isinstance(reminders, list)
            else (),
        )

    @property
    def is_open(self) -> bool:
        return self.status != "completed"

    @property
    def label(self) -> str:
        """How replies name a task: `#12 Review Q4 report`."""
        return f"#{self.id} {self.title}"

    def details(self, now: datetime, *, with_status: bool = True) -> str:
        """The facts worth a parenthesis: "high priority, due Fri 27 Nov", "" when there is nothing to say."""
        parts = []
        if with_status and self.status == "completed":
            parts.append("completed")
        elif with_status and self.status == "in_progress":
            parts.append("in progress")
        if self.priority != "normal":
            parts.append(f"{self.priority} priority")
        if self.due_date is not None:
            overdue = self.is_open and self.due_date < now
            parts.append(("overdue, was due " if overdue else "due ") + describe_day(self.due_date, now))
        if self.tags:
            parts.append(" ".join(f"#{tag}" for tag in self.tags))
        return ", ".join(parts)

    def repetition(self, now: datetime) -> str | None:
        """The task's rule in words, at the due date's time in the user's zone ("every weekday at 09:30")."""
        if self.recurrence is None:
            return None
        at = self.due_date.astimezone(now.tzinfo).time() if self.due_date else None
        mode = RepeatFrom.completion if self.repeat_from == "completion" else RepeatFrom.due
        return describe(self.recurrence, at=at, repeat_from=mode)

    def line(self, now: datetime) -> str:
        details = self.details(now)
        return f"{self.label} ({details})" if details else self.label


def tasks_in(value: Any, key: str) -> list[TaskInfo]:
    """The tasks listed under `key` in a tool result such as `{"tasks": [...]}`."""
    if not isinstance(value, Mapping):
        return []
    items = value.get(key)
    if not isinstance(items, list):
        return []
    return [task for task in (TaskInfo.from_json(item) for item in items) if task is not None]
