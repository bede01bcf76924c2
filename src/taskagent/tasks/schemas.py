from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from taskagent.tasks.models import TaskPriority, TaskStatus

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=10_000)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Estimate = Annotated[int, Field(ge=0, le=100_000)]


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("due_date needs a time zone offset, such as 2026-11-27T17:00:00Z")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


def _dedupe(tags: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for tag in tags:
        seen.setdefault(tag, None)
    return list(seen)


class TaskFields(BaseModel):
    # Unknown fields (and read-only ones such as id, owner_id, created_at) are refused, not ignored.
    model_config = ConfigDict(extra="forbid")

    @field_validator("tags", check_fields=False)
    @classmethod
    def _unique_tags(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _dedupe(value)


class TaskCreate(TaskFields):
    title: Title
    description: Description | None = None
    status: TaskStatus = TaskStatus.pending
    priority: TaskPriority = TaskPriority.normal
    due_date: AwareDatetime | None = None
    tags: Annotated[list[Tag], Field(max_length=20)] = Field(default_factory=list)
    parent_id: int | None = None
    estimate_minutes: Estimate | None = None


class TaskUpdate(TaskFields):
    """Every field optional: only the fields present change. `null` clears the optional ones."""

    title: Title | None = None
    description: Description | None = None
    status: TaskStatus | None = None
    priority: TaskPriority | None = None
    due_date: AwareDatetime | None = None
    tags: Annotated[list[Tag], Field(max_length=20)] | None = None
    parent_id: int | None = None
    estimate_minutes: Estimate | None = None

    @field_validator("title", "status", "priority", "tags")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("this field cannot be null")
        return value


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    description: str | None
    status: TaskStatus
    priority: TaskPriority
    due_date: datetime | None
    tags: list[str]
    parent_id: int | None
    estimate_minutes: int | None
    owner_id: int
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None


SortKey = Literal[
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
    "due_date",
    "-due_date",
    "priority",
    "-priority",
    "title",
    "-title",
]


class TaskFilters(BaseModel):
    status: TaskStatus | None = None
    priority: TaskPriority | None = None
    tag: str | None = None
    parent_id: int | None = None
    due_before: datetime | None = None
    due_after: datetime | None = None
    q: str | None = None
