"""Quick add: one line of text read as a task, the way the assistant reads it, without creating anything.

`POST /tasks/parse` answers what the words say (title, due date, priority, tags, repetition, estimate,
description, reminders before the due date) and where each field was read, so that the web page can show
it before the user adds the task with `POST /tasks`. The reading is the offline engine's own
(`read_one_task`, also behind the chat's "create a task ..."): one set of language rules for both.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from taskagent.agents.offline.commands.create import FIELDS, FieldName, read_one_task
from taskagent.errors import InvalidRequest
from taskagent.tasks.models import TaskPriority
from taskagent.tasks.recurrence import RepeatFrom
from taskagent.tasks.schemas import ReminderBefore, TaskCreate, storable_text

# Long enough for a title, its fields and a short note; the engine's patterns stay fast at this size.
MAX_TEXT = 2_000
TITLE_MAX = 200

ReadField = FieldName  # the engine's names for what it reads, the task API's field names


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("type the task: the text is empty")
    return storable_text(value)


class TaskParse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[
        str,
        Field(max_length=MAX_TEXT, description="What the user typed, such as `Pay rent tomorrow !high`"),
        AfterValidator(_not_blank),
    ]
    ignore: Annotated[
        list[ReadField],
        Field(
            default_factory=list,
            max_length=len(FIELDS),
            description="Fields not to read: their words stay in the title (`due_date` keeps "
            "`Call mom at 5pm` literal)",
        ),
    ]


class ReadWords(BaseModel):
    field: ReadField
    text: str = Field(description="The words read as this field")
    start: int = Field(description="Where they start in `text` (a character index)")
    end: int = Field(description="Where they end (exclusive); words cut from between them are included")


class TaskParsed(BaseModel):
    """The fields a `POST /tasks` would take; absent ones are null (or `[]` for tags)."""

    title: str | None = Field(description="The words left once the fields are read; null when none are")
    due_date: datetime | None = Field(description="UTC; read in the user's time zone")
    priority: TaskPriority | None
    tags: list[str]
    recurrence: str | None
    repeat_from: RepeatFrom | None = Field(description="Set when `recurrence` is")
    estimate_minutes: int | None
    description: str | None
    reminders: list[ReminderBefore] = Field(
        description='Reminders read relative to the due date ("remind me 30 minutes before"): '
        "`[{before_minutes: N}]`; empty when none (or when there is no due date to be before)"
    )
    recognised: list[ReadWords] = Field(description="What was read as each field, in the order typed")


def parse_task(body: TaskParse, zone: ZoneInfo, now: datetime) -> TaskParsed:
    """Read `body.text` in `zone`; a 422 when what it says could not be created as it stands."""
    reading = read_one_task(body.text, now.astimezone(zone), ignore=body.ignore)
    task = reading.task
    if len(reading.title) > TITLE_MAX:
        raise InvalidRequest.at(
            ["body", "text"],
            f"the title left once the dates and fields are read is {len(reading.title)} characters; "
            f"a title has at most {TITLE_MAX}: move the rest into a note (`notes: ...`)",
        )
    parsed = TaskParsed(
        title=reading.title or None,
        due_date=task.due.astimezone(UTC) if task.due else None,
        priority=TaskPriority(task.priority) if task.priority else None,
        tags=task.tags,
        recurrence=task.recurrence,
        repeat_from=RepeatFrom(task.repeat_from) if task.repeat_from else None,
        estimate_minutes=task.estimate_minutes,
        description=task.description,
        # Not checked here: a reminder TaskCreate refuses (over a year before) is _check_creatable's 422.
        reminders=[ReminderBefore.model_construct(before_minutes=task.before.before_minutes(task.due))]
        if task.before and task.due
        else [],
        recognised=[
            ReadWords(field=words.field, text=words.text, start=words.start, end=words.end)
            for words in reading.recognised
        ],
    )
    _check_creatable(parsed)
    return parsed


def _check_creatable(parsed: TaskParsed) -> None:
    """What was read must be what `POST /tasks` takes ("#" and 40 letters is no tag; "in 8000 years" no due
    date): said here, while the user can still change the words."""
    fields = parsed.model_dump(exclude={"recognised"}, exclude_none=True)
    fields["title"] = parsed.title or "untitled"  # a missing title is the page's to ask for
    try:
        TaskCreate.model_validate(fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise InvalidRequest.at(["body", "text"], f"{where}: {error['msg']}") from None
