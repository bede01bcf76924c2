"""The agents' tools: function tools over `TaskService`, for the user in the run context only.

The contract (names, arguments, results) is the table in docs/architecture.md; hosted models and the
offline engine both call these by name. Rules every tool follows:

- the user comes from `AgentContext`, never from the arguments: a task id of another user is "not found";
- each call is its own short unit of work (`AgentContext.tasks()`), committed at once;
- results are JSON strings; a task is serialised exactly as the REST API returns it (`TaskRead`);
- failures come back as `{"error": "..."}`, never as an exception (bad arguments included);
- dates are ISO 8601; a date without a time of day means 23:59 that day in the user's time zone, and a
  datetime without an offset is read in the user's time zone.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, Literal

from agents import FunctionTool, RunContextWrapper, function_tool
from agents.exceptions import ModelBehaviorError
from agents.function_schema import function_schema
from agents.tool_context import ToolContext
from pydantic import BaseModel, Field, ValidationError

from taskagent.agents import scheduling
from taskagent.agents.context import AgentContext
from taskagent.tasks.matching import rank_tasks
from taskagent.tasks.models import Task, TaskStatus
from taskagent.tasks.schemas import TaskCreate, TaskFilters, TaskRead, TaskUpdate
from taskagent.tasks.service import InvalidParentError, InvalidRecurrenceError, TaskNotFoundError

logger = logging.getLogger(__name__)

Priority = Literal["low", "normal", "high", "urgent"]
Status = Literal["pending", "in_progress", "completed"]

MAX_LIST = 200
DEFAULT_LIST = 50
MAX_NEW_TASKS = 20
END_OF_DAY = time(23, 59)
_ERROR_DETAIL_LIMIT = 300


class ToolInputError(ValueError):
    """An argument the tool cannot use; the message is shown to the model."""


# --- serialisation ---------------------------------------------------------------------------------------


def task_json(task: Task) -> dict[str, Any]:
    """A task exactly as the REST API returns it."""
    data: dict[str, Any] = TaskRead.model_validate(task).model_dump(mode="json")
    return data


def _dumps(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False)


def error_json(message: str) -> str:
    return _dumps({"error": message})


# --- dates -----------------------------------------------------------------------------------------------

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_when(
    value: str, zone: tzinfo, *, date_only: Literal["end", "day_start", "next_day"] = "end"
) -> datetime:
    """An ISO 8601 date or datetime from a tool argument, as an aware datetime.

    A date alone means 23:59 in the user's zone (`end`), or for filter bounds the start of that day
    (`day_start`) or of the next (`next_day`). A datetime without an offset is read in the user's zone.
    """
    text = value.strip()
    if _DATE_ONLY.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ToolInputError(f"{value!r} is not a valid date") from None
        if date_only == "end":
            return datetime.combine(day, END_OF_DAY, zone)
        if date_only == "day_start":
            return datetime.combine(day, time(0, 0), zone)
        return datetime.combine(day + timedelta(days=1), time(0, 0), zone)
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1) if " " in text[:11] else text)
    except ValueError:
        raise ToolInputError(
            f"Could not read the date {value!r}: use ISO 8601, "
            "such as 2026-11-27 or 2026-11-27T17:00:00+01:00"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def _after_bound(value: str, zone: tzinfo) -> datetime:
    """The exclusive lower bound of a due window: a date alone keeps that whole day in the window."""
    if _DATE_ONLY.match(value.strip()):
        return parse_when(value, zone, date_only="day_start") - timedelta(microseconds=1)
    return parse_when(value, zone)


# --- errors ----------------------------------------------------------------------------------------------


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(part) for part in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid")))
    return "; ".join(parts)


# The arguments model of each tool, to say what is wrong with arguments the SDK refused.
_ARGUMENT_MODELS: dict[str, type[BaseModel]] = {}


def _arguments_problem(name: str, raw: str) -> str:
    try:
        arguments = json.loads(raw or "{}")
    except json.JSONDecodeError:
        return f"The arguments for {name} are not valid JSON"
    model = _ARGUMENT_MODELS.get(name)
    if model is not None and isinstance(arguments, dict):
        try:
            model(**arguments)
        except ValidationError as exc:
            return f"Invalid arguments for {name}: {_validation_message(exc)}"
    return f"Invalid arguments for {name}: they must be a JSON object matching the tool's parameters"


def tool_failure(ctx: RunContextWrapper[Any], error: Exception) -> str:
    """`failure_error_function` of every tool: what the model sees when a call cannot run.

    Arguments that do not match the schema reach here: the SDK validates them before the tool runs, and
    (with tool data redacted from logs, its default) says no more than "Invalid JSON input".
    """
    name = ctx.tool_name if isinstance(ctx, ToolContext) else "the tool"
    if isinstance(error, ModelBehaviorError) and isinstance(ctx, ToolContext):
        return error_json(_arguments_problem(name, ctx.tool_arguments)[:_ERROR_DETAIL_LIMIT])
    logger.error("tool %s failed: %r", name, error)
    return error_json(f"{name} failed unexpectedly; try again")


def contract_tool(*, strict: bool = True) -> Callable[[Callable[..., Any]], FunctionTool]:
    """`function_tool` with our failure function, remembering the arguments model for its messages."""

    def wrap(func: Callable[..., Any]) -> FunctionTool:
        schema = function_schema(func, strict_json_schema=strict)
        _ARGUMENT_MODELS[schema.name] = schema.params_pydantic_model
        return function_tool(func, failure_error_function=tool_failure, strict_mode=strict)

    return wrap


async def _guarded(name: str, work: Callable[[], Awaitable[Any]]) -> str:
    """Run a tool body; expected failures become `{"error": ...}` for the model."""
    try:
        return _dumps(await work())
    except TaskNotFoundError as exc:
        return error_json(str(exc))
    except (ToolInputError, InvalidParentError, InvalidRecurrenceError) as exc:
        return error_json(str(exc))
    except ValidationError as exc:
        return error_json(_validation_message(exc))
    except Exception:
        logger.exception("tool %s failed", name)
        return error_json(f"{name} failed unexpectedly; try again")


def _context(ctx: RunContextWrapper[AgentContext]) -> AgentContext:
    context = ctx.context
    if not isinstance(context, AgentContext):  # a run started without one: refuse rather than guess a user
        raise ToolInputError("no user in the run context")
    return context


def _given(ctx: RunContextWrapper[AgentContext]) -> set[str]:
    """The argument names the model actually sent (to tell "clear it" (null) from "leave it" (absent))."""
    if not isinstance(ctx, ToolContext):
        return set()
    try:
        arguments = json.loads(ctx.tool_arguments or "{}")
    except json.JSONDecodeError:
        return set()
    return set(arguments) if isinstance(arguments, dict) else set()


def _focus(context: AgentContext, task_id: int | None) -> int:
    if task_id is not None:
        return task_id
    if context.focus_task_id is None:
        raise ToolInputError("task_id is required: no task is in focus")
    return context.focus_task_id


def _refresh_focus(context: AgentContext, task: Task) -> None:
    if task.id == context.focus_task_id:
        context.focus_task = task_json(task)


# --- task-manager tools ----------------------------------------------------------------------------------


RepeatFromName = Literal["due", "completion"]
_RECURRENCE = (
    "Makes the task repeat: an RFC 5545 RRULE without the RRULE: prefix, such as FREQ=WEEKLY;BYDAY=FR or "
    "FREQ=MONTHLY;BYMONTHDAY=-1, read in the user's time zone; "
    "needs a due_date unless repeat_from is completion"
)
_REPEAT_FROM = "due (default): the next date follows the due date; completion: it follows the day it is done"


class NewReminder(BaseModel):
    at: str | None = Field(
        default=None, description="ISO 8601 time to remind the user at (without an offset: their time zone)"
    )
    before_minutes: int | None = Field(
        default=None, description="Or: minutes before the task's due date (0: at the due time)"
    )


def _reminders(given: list[NewReminder], zone: tzinfo) -> list[dict[str, Any]]:
    reminders: list[dict[str, Any]] = []
    for reminder in given:
        if (reminder.at is None) == (reminder.before_minutes is None):
            raise ToolInputError("each reminder needs exactly one of at or before_minutes")
        if reminder.at is not None:
            reminders.append({"at": parse_when(reminder.at, zone)})
        else:
            reminders.append({"before_minutes": reminder.before_minutes})
    return reminders


class NewTask(BaseModel):
    title: str = Field(description="Short title, 1-200 characters, without the date or priority words")
    description: str | None = Field(default=None, description="Optional details")
    priority: Priority | None = Field(default=None, description="low, normal (default), high or urgent")
    status: Status | None = Field(
        default=None, description="pending (default); in_progress when the user says it is already started"
    )
    due_date: str | None = Field(
        default=None, description="ISO 8601; a date alone means 23:59 that day in the user's time zone"
    )
    tags: list[str] | None = Field(default=None, description="Short labels")
    parent_id: int | None = Field(default=None, description="Make it a subtask of this task")
    estimate_minutes: int | None = Field(default=None, description="Estimated effort in minutes")
    recurrence: str | None = Field(default=None, description=_RECURRENCE)
    repeat_from: RepeatFromName | None = Field(default=None, description=_REPEAT_FROM)
    reminders: list[NewReminder] | None = Field(
        default=None,
        description='When to remind the user; "remind me to ..." with a time means at the due time '
        "(before_minutes 0)",
    )


@contract_tool()
async def create_tasks(ctx: RunContextWrapper[AgentContext], tasks: list[NewTask]) -> str:
    """Create one or several tasks for the user. Returns {"created": [task, ...]}.

    Args:
        tasks: The tasks to create, in order.
    """
    context = _context(ctx)

    async def work() -> Any:
        if not tasks:
            raise ToolInputError("give at least one task to create")
        if len(tasks) > MAX_NEW_TASKS:
            raise ToolInputError(f"at most {MAX_NEW_TASKS} tasks at a time")
        drafts = []
        for new in tasks:
            fields: dict[str, Any] = {"title": new.title}
            if new.description is not None:
                fields["description"] = new.description
            if new.priority is not None:
                fields["priority"] = new.priority
            if new.status is not None:
                fields["status"] = new.status
            if new.due_date is not None:
                fields["due_date"] = parse_when(new.due_date, context.zone)
            if new.tags is not None:
                fields["tags"] = new.tags
            if new.parent_id is not None:
                fields["parent_id"] = new.parent_id
            if new.estimate_minutes is not None:
                fields["estimate_minutes"] = new.estimate_minutes
            if new.recurrence is not None:
                fields["recurrence"] = new.recurrence
            if new.repeat_from is not None:
                fields["repeat_from"] = new.repeat_from
            if new.reminders:
                fields["reminders"] = _reminders(new.reminders, context.zone)
            drafts.append(TaskCreate(**fields))
        async with context.tasks() as service:
            created = [await service.create(draft) for draft in drafts]
            return {"created": [task_json(task) for task in created]}

    return await _guarded("create_tasks", work)


@contract_tool()
async def list_tasks(
    ctx: RunContextWrapper[AgentContext],
    status: Status | None = None,
    priority: Priority | None = None,
    due_before: str | None = None,
    due_after: str | None = None,
    overdue: bool | None = None,
    q: str | None = None,
    limit: int | None = None,
) -> str:
    """List the user's tasks, filtered. Returns {"tasks": [task, ...], "count": n}.

    Args:
        status: Only tasks with this status.
        priority: Only tasks with this priority.
        due_before: ISO 8601; only tasks due before it (a date alone includes that whole day).
        due_after: ISO 8601; only tasks due after it (a date alone includes that whole day).
        overdue: True for tasks past their due date and not completed.
        q: Text that must appear in the title or description.
        limit: At most this many tasks (default 50, at most 200).
    """
    context = _context(ctx)

    async def work() -> Any:
        size = DEFAULT_LIST if limit is None else limit
        if not 1 <= size <= MAX_LIST:
            raise ToolInputError(f"limit must be between 1 and {MAX_LIST}")
        filters = TaskFilters(
            status=TaskStatus(status) if status else None,
            priority=priority,
            due_before=parse_when(due_before, context.zone, date_only="next_day") if due_before else None,
            due_after=_after_bound(due_after, context.zone) if due_after else None,
            q=(q.strip() or None) if q else None,
        )
        async with context.tasks() as service:
            found = await service.search(filters, limit=size, overdue_at=context.now if overdue else None)
            return {"tasks": [task_json(task) for task in found], "count": len(found)}

    return await _guarded("list_tasks", work)


@contract_tool(strict=False)
async def update_task(
    ctx: RunContextWrapper[AgentContext],
    task_id: int,
    title: str | None = None,
    description: str | None = None,
    status: Status | None = None,
    priority: Priority | None = None,
    due_date: str | None = None,
    tags: list[str] | None = None,
    estimate_minutes: int | None = None,
    recurrence: str | None = None,
    repeat_from: RepeatFromName | None = None,
    reminders: list[NewReminder] | None = None,
) -> str:
    """Change fields of one of the user's tasks; omit a field to leave it. Returns {"task": task};
    completing a repeating task makes its next occurrence, named by the task's next_id.

    Args:
        task_id: The task's id.
        title: New title.
        description: New description; null clears it.
        status: pending, in_progress or completed.
        priority: low, normal, high or urgent.
        due_date: ISO 8601 (a date alone means 23:59 that day in the user's time zone); null clears it.
        tags: The new list of tags (replaces the old one).
        estimate_minutes: Estimated effort in minutes; null clears it.
        recurrence: An RFC 5545 RRULE without the RRULE: prefix (FREQ=WEEKLY;BYDAY=FR); null stops repeating.
        repeat_from: due or completion: what the next occurrence's date follows.
        reminders: The task's reminders (replaces the old list; [] removes them): each {at} or
            {before_minutes} (before the due date, moving with each occurrence of a repeating task).
    """
    context = _context(ctx)
    given = _given(ctx)

    async def work() -> Any:
        changes: dict[str, Any] = {}
        named = (("title", title), ("status", status), ("priority", priority), ("tags", tags))
        for name, value in (*named, ("repeat_from", repeat_from)):
            if value is not None:
                changes[name] = value
        # These may be cleared: null when sent means "clear", absent means "leave".
        if description is not None or "description" in given:
            changes["description"] = description
        if estimate_minutes is not None or "estimate_minutes" in given:
            changes["estimate_minutes"] = estimate_minutes
        if recurrence is not None or "recurrence" in given:
            changes["recurrence"] = recurrence
        if reminders is not None:
            changes["reminders"] = _reminders(reminders, context.zone)
        if due_date is not None:
            changes["due_date"] = parse_when(due_date, context.zone)
        elif "due_date" in given:
            changes["due_date"] = None
        if not changes:
            raise ToolInputError("nothing to change: give at least one field besides task_id")
        update = TaskUpdate(**changes)
        async with context.tasks() as service:
            updated = await service.change(task_id, update)
            _refresh_focus(context, updated.task)
            # Completing a repeating task made the next occurrence: the tool names it like REST does.
            return {"task": {**task_json(updated.task), "next_id": updated.next_id}}

    return await _guarded("update_task", work)


@contract_tool()
async def delete_task(ctx: RunContextWrapper[AgentContext], task_id: int) -> str:
    """Delete one of the user's tasks (its subtasks go with it). Returns {"deleted": {"id", "title"}},
    with `recurrence`, `repeat_from` and `due_date` for a repeating task: its whole series goes (to skip
    one occurrence, complete it instead).

    Args:
        task_id: The task's id.
    """
    context = _context(ctx)

    async def work() -> Any:
        async with context.tasks() as service:
            task = await service.delete(task_id)
            deleted: dict[str, Any] = {"id": task.id, "title": task.title}
            if task.recurrence is not None:
                due = task.due_date.isoformat() if task.due_date is not None else None
                deleted |= {
                    "recurrence": task.recurrence,
                    "repeat_from": str(task.repeat_from),
                    "due_date": due,
                }
            return {"deleted": deleted}

    return await _guarded("delete_task", work)


@contract_tool()
async def find_tasks(ctx: RunContextWrapper[AgentContext], description: str) -> str:
    """Find the user's tasks that a description refers to ("the security audit task").

    Returns {"matches": [task, ...]}, best match first, empty when nothing matches. Several matches
    of similar quality mean the reference is ambiguous: ask the user which one.

    Args:
        description: The words the user used for the task.
    """
    context = _context(ctx)

    async def work() -> Any:
        async with context.tasks() as service:
            candidates = await service.search(TaskFilters(), limit=1000)
        return {"matches": [task_json(task) for task in rank_tasks(description, candidates)]}

    return await _guarded("find_tasks", work)


# --- specialist tools ------------------------------------------------------------------------------------


@contract_tool()
async def get_task(ctx: RunContextWrapper[AgentContext], task_id: int | None = None) -> str:
    """Read one of the user's tasks. Returns the task.

    Args:
        task_id: The task's id; the task in focus when omitted.
    """
    context = _context(ctx)

    async def work() -> Any:
        async with context.tasks() as service:
            task = await service.get(_focus(context, task_id))
            _refresh_focus(context, task)
            return task_json(task)

    return await _guarded("get_task", work)


@contract_tool()
async def list_open_tasks(ctx: RunContextWrapper[AgentContext]) -> str:
    """List the user's tasks that are not completed. Returns {"tasks": [task, ...]}."""
    context = _context(ctx)

    async def work() -> Any:
        async with context.tasks() as service:
            return {"tasks": [task_json(task) for task in await service.open_tasks()]}

    return await _guarded("list_open_tasks", work)


@contract_tool()
async def suggest_schedule(ctx: RunContextWrapper[AgentContext], task_id: int | None = None) -> str:
    """Suggest the day to work on a task, from its due date, priority, estimate and the user's other
    open tasks. Returns {"day": "YYYY-MM-DD", "start_by": "YYYY-MM-DD", "reasons": [...],
    "load": {"YYYY-MM-DD": minutes}}.

    Args:
        task_id: The task's id; the task in focus when omitted.
    """
    context = _context(ctx)

    async def work() -> Any:
        async with context.tasks() as service:
            task = await service.get(_focus(context, task_id))
            others = [other for other in await service.open_tasks() if other.id != task.id]
        return scheduling.suggest_schedule(task, others, context.now, context.zone_name)

    return await _guarded("suggest_schedule", work)


@contract_tool()
async def set_due_date(
    ctx: RunContextWrapper[AgentContext], due_date: str, task_id: int | None = None
) -> str:
    """Set a task's due date. Returns {"task": task}.

    Args:
        due_date: ISO 8601; a date alone means 23:59 that day in the user's time zone.
        task_id: The task's id; the task in focus when omitted.
    """
    context = _context(ctx)

    async def work() -> Any:
        when = parse_when(due_date, context.zone)
        async with context.tasks() as service:
            task = await service.update(_focus(context, task_id), TaskUpdate(due_date=when))
            _refresh_focus(context, task)
            return {"task": task_json(task)}

    return await _guarded("set_due_date", work)


class Step(BaseModel):
    title: str = Field(description="A concrete step, 1-200 characters")
    estimate_minutes: int | None = Field(default=None, description="Estimated effort in minutes")


@contract_tool()
async def create_subtasks(
    ctx: RunContextWrapper[AgentContext], steps: list[Step], task_id: int | None = None
) -> str:
    """Create steps as subtasks of a task. Returns {"created": [task, ...]}.

    Args:
        steps: The steps, in the order to do them.
        task_id: The parent task's id; the task in focus when omitted.
    """
    context = _context(ctx)

    async def work() -> Any:
        if not steps:
            raise ToolInputError("give at least one step")
        if len(steps) > MAX_NEW_TASKS:
            raise ToolInputError(f"at most {MAX_NEW_TASKS} steps at a time")
        async with context.tasks() as service:
            parent = await service.get(_focus(context, task_id))
            drafts = [
                TaskCreate(title=step.title, estimate_minutes=step.estimate_minutes, parent_id=parent.id)
                for step in steps
            ]
            created = [await service.create(draft) for draft in drafts]
            return {"created": [task_json(task) for task in created]}

    return await _guarded("create_subtasks", work)


TASK_MANAGER_TOOLS: list[FunctionTool] = [create_tasks, list_tasks, update_task, delete_task, find_tasks]
SPECIALIST_TOOLS: list[FunctionTool] = [
    get_task,
    list_open_tasks,
    suggest_schedule,
    set_due_date,
    create_subtasks,
]
# What a specialists file may give a specialist, by name (agents/catalog.py's TOOL_NAMES).
ALL_TOOLS: dict[str, FunctionTool] = {tool.name: tool for tool in [*SPECIALIST_TOOLS, *TASK_MANAGER_TOOLS]}
