from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema
from typing_extensions import TypedDict

from taskagent.tasks.models import TaskPriority, TaskStatus
from taskagent.tasks.recurrence import RepeatFrom, RuleError, parse_rule
from taskagent.tasks.reminders import MAX_BEFORE_MINUTES, MAX_REMINDERS

# Due dates live between these (UTC); lists sort undated tasks past either end.
EARLIEST_DUE = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_DUE = datetime(9998, 12, 31, 23, 59, 59, tzinfo=UTC)


def storable_text(value: str) -> str:
    """Refuse text no database can keep: PostgreSQL rejects NUL (pydantic already refuses surrogates)."""
    if "\x00" in value:
        raise ValueError("text cannot contain the NUL character")
    return value


def utc_timestamp(value: datetime) -> datetime:
    """An aware datetime in the supported range, converted to UTC (as it is stored and returned)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("needs a time zone offset, such as 2026-11-27T17:00:00Z")
    try:
        value = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range") from None
    if not EARLIEST_DUE <= value <= LATEST_DUE:
        raise ValueError(f"must be between {EARLIEST_DUE.year} and {LATEST_DUE.year}")
    return value


_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def iso_8601(value: object) -> object:
    """Pydantic would read a number (or a numeric string) as a Unix timestamp: the API takes ISO 8601 only."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or _NUMBER.fullmatch(value):
        raise ValueError("expected an ISO 8601 date-time, such as 2026-11-27T17:00:00Z")
    return value


Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(storable_text)
]
Description = Annotated[str, Field(max_length=10_000), AfterValidator(storable_text)]
Tag = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32), AfterValidator(storable_text)
]
Tags = Annotated[list[Tag], Field(max_length=20)]
# strict: `true` is not 1 (JSON has no other way to spell an integer wrongly that lax mode would take)
Estimate = Annotated[int, Field(ge=0, le=100_000, strict=True)]
TaskId = Annotated[int, Field(strict=True)]
# Finite (NaN and infinities would break ordering), and bounded so that max + 1 and midpoints stay exact
# enough; strict: `true` or "2" is not a position.
MAX_POSITION = 1e15
TaskPosition = Annotated[
    float,
    Field(
        strict=True,
        allow_inf_nan=False,
        ge=-MAX_POSITION,
        le=MAX_POSITION,
        description="Manual order, lower first. To move a task between two others, give it a value "
        "between theirs",
    ),
]
IsoDatetime = Annotated[datetime, BeforeValidator(iso_8601)]
UTCDatetime = Annotated[IsoDatetime, AfterValidator(utc_timestamp)]


def valid_rule(value: str) -> str:
    """The rule's syntax (what needs no date); stored as `parse_rule` writes it (upper case)."""
    try:
        return parse_rule(value).text
    except RuleError as exc:
        raise ValueError(str(exc)) from None


Recurrence = Annotated[
    str,
    Field(
        max_length=300,
        description="An RFC 5545 RRULE without the RRULE: prefix, such as FREQ=WEEKLY;BYDAY=FR; "
        "read in the user's time zone",
    ),
    AfterValidator(valid_rule),
]
RepeatFromField = Annotated[
    RepeatFrom,
    Field(description="`due`: the next date follows the due date; `completion`: it follows the completion"),
]


class ReminderAt(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: Annotated[UTCDatetime, Field(description="When to remind, with a time zone offset")]


class ReminderBefore(BaseModel):
    model_config = ConfigDict(extra="forbid")

    before_minutes: Annotated[
        int,
        Field(
            strict=True,
            ge=0,
            le=MAX_BEFORE_MINUTES,
            description="Minutes before the due date (0: at the due time); needs a due date",
        ),
    ]


Reminder = ReminderAt | ReminderBefore


def _distinct_reminders(reminders: list[Reminder]) -> list[Reminder]:
    seen: dict[str, Reminder] = {}
    for reminder in reminders:
        seen.setdefault(reminder.model_dump_json(), reminder)
    return list(seen.values())


Reminders = Annotated[
    list[Reminder],
    Field(
        max_length=MAX_REMINDERS,
        description="Each `{at}` or `{before_minutes}`; "
        "a repeating task's reminders move with each occurrence",
    ),
    AfterValidator(_distinct_reminders),
]


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
    due_date: Annotated[UTCDatetime | None, Field(description="With a time zone offset")] = None
    tags: Tags = Field(default_factory=list)
    parent_id: TaskId | None = Field(
        default=None, description="Another task of yours: this one is its subtask"
    )
    estimate_minutes: Estimate | None = None
    position: TaskPosition | None = Field(default=None, description="Absent: after all of your tasks")
    recurrence: Recurrence | None = None
    repeat_from: RepeatFromField = RepeatFrom.due
    reminders: Reminders = Field(default_factory=list)


class TaskUpdate(TaskFields):
    """Every field optional: only the fields present change. `null` clears the optional ones."""

    # SkipJsonSchema: absent is fine, `null` is refused below, so the OpenAPI must not offer `null` either.
    title: Title | SkipJsonSchema[None] = None
    description: Description | None = None
    status: TaskStatus | SkipJsonSchema[None] = None
    priority: TaskPriority | SkipJsonSchema[None] = None
    due_date: Annotated[UTCDatetime | None, Field(description="With a time zone offset")] = None
    tags: Tags | SkipJsonSchema[None] = None
    parent_id: TaskId | None = None
    estimate_minutes: Estimate | None = None
    position: TaskPosition | SkipJsonSchema[None] = None
    recurrence: Recurrence | None = Field(default=None, description="null stops the repetition")
    repeat_from: RepeatFromField | SkipJsonSchema[None] = None
    reminders: Reminders | SkipJsonSchema[None] = Field(default=None, description="[] removes them all")

    @field_validator("title", "status", "priority", "tags", "position", "repeat_from", "reminders")
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
    position: float
    owner_id: int
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    recurrence: str | None = None
    repeat_from: RepeatFrom = RepeatFrom.due
    reminders: list[Reminder] = Field(default_factory=list)
    next_id: int | None = Field(
        default=None,
        description="In the answer to the completion of a repeating task: the next occurrence's id",
    )


class TaskShown(TypedDict):
    """`TaskRead` as encoding only, for rows the database gave (`repository.SHOWN_FIELDS`: these fields in
    this order, then others this leaves out): the JSON is `TaskRead`'s, without validating every value of
    every row first, which cost as much as the encoding. The enumerations come as the stored strings;
    reminders, a list of models, must be validated (`router._shown`)."""

    id: int
    title: str
    description: str | None
    status: str
    priority: str
    due_date: datetime | None
    tags: list[str]
    parent_id: int | None
    estimate_minutes: int | None
    position: float
    owner_id: int
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    recurrence: str | None
    repeat_from: str
    reminders: list[Reminder]
    next_id: int | None


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
    "position",
    "-position",
]


class TaskFilters(BaseModel):
    status: TaskStatus | None = None
    priority: TaskPriority | None = None
    tag: str | None = None
    parent_id: int | None = None
    due_before: datetime | None = None
    due_after: datetime | None = None
    q: str | None = None
    repeating: bool | None = None
