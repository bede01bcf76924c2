"""What `POST /users/me/import` reads (a task of our own export) and what it answers."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from taskagent.tasks.models import TaskPriority, TaskStatus
from taskagent.tasks.recurrence import RepeatFrom
from taskagent.tasks.reminders import NEEDS_DUE_DATE, needs_due_date
from taskagent.tasks.schemas import (
    Description,
    Estimate,
    Recurrence,
    Reminders,
    Tags,
    TaskPosition,
    Title,
    UTCDatetime,
)

ImportFormat = Literal["json", "todoist"]
# Ids in a file are only labels that link a subtask to its parent within the file.
FileId = Annotated[int, Field(strict=True)]


class ImportedTask(BaseModel):
    """A task as `GET /users/me/export` writes it. The same rules as `POST /tasks`; `id` and `parent_id`
    are the file's own labels, never database ids. Fields the export adds for reading (`owner_id`,
    `updated_at`) and fields this server does not know are ignored."""

    model_config = ConfigDict(extra="ignore")

    id: FileId | None = Field(default=None, description="The task's id in the file (to link subtasks)")
    title: Title
    description: Description | None = None
    status: TaskStatus = TaskStatus.pending
    priority: TaskPriority = TaskPriority.normal
    due_date: UTCDatetime | None = None
    tags: Tags = Field(default_factory=list)
    parent_id: FileId | None = Field(default=None, description="The `id` of another task in the same file")
    estimate_minutes: Estimate | None = None
    position: TaskPosition | None = Field(
        default=None, description="Kept; absent: after the user's tasks, in the file's order"
    )
    recurrence: Recurrence | None = Field(
        default=None, description="Checked like POST /tasks (a rule of a task with a due date)"
    )
    repeat_from: RepeatFrom = RepeatFrom.due
    reminders: Reminders = Field(
        default_factory=list, description="Kept; one whose time has already passed is not sent"
    )
    created_at: UTCDatetime | None = Field(default=None, description="Kept; now when absent")
    completed_at: UTCDatetime | None = Field(
        default=None, description="Kept for a completed task; now when absent"
    )

    @model_validator(mode="after")
    def _repeats_from_a_due_date(self) -> ImportedTask:
        if self.recurrence is not None and self.repeat_from == RepeatFrom.due and self.due_date is None:
            raise ValueError("a repeating task needs a due date (or repeat_from=completion)")
        if needs_due_date([each.model_dump() for each in self.reminders], self.due_date):
            raise ValueError(NEEDS_DUE_DATE)
        return self


class ImportDocument(BaseModel):
    """The JSON `GET /users/me/export` answers (only what an import reads is described here)."""

    model_config = ConfigDict(extra="ignore")

    format: Literal["taskagent-export"]
    version: Literal[1]
    tasks: list[ImportedTask]
    conversations: list[object] = Field(
        default_factory=list, description="Read but not imported (counted in `skipped`)"
    )


class ImportCounts(BaseModel):
    tasks: int = Field(description="Tasks created (or that would be), subtasks included")
    subtasks: int = Field(description="Of those, how many are subtasks of another imported task")
    completed: int = Field(description="Of those, how many are completed")


class ImportSkipped(BaseModel):
    conversations: int = Field(default=0, description="Conversations in a JSON export: not imported")
    notes: int = Field(default=0, description="Todoist notes on no task (project comments): not imported")


class ImportResult(BaseModel):
    """What an import did, or with `dry_run`, what it would do (and then nothing was stored)."""

    dry_run: bool
    format: ImportFormat
    created: ImportCounts
    skipped: ImportSkipped
    task_ids: list[int] | None = Field(
        description="The new tasks' ids in the file's order; null on a dry run"
    )
