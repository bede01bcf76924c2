"""A specialist of the operator's own, offline: its answer template filled with the task's data.

The turn reads first, with only the tools the template's placeholders need (the file's check made sure
the specialist may use them): `get_task` for the task's fields, `list_open_tasks` for the user's other
tasks. Then the answer is the template with every placeholder filled (catalog.PLACEHOLDERS).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from taskagent.agents.catalog import PLACEHOLDERS, Specialist, placeholders, render_template

from .breakdown import duration
from .conversation import Conversation
from .dates import describe_date, describe_day
from .plan import Call, Calls, Reply, Step
from .specialists import MAX_CALLS, Gathered, explicit_id, pointed_task, which_task
from .tasks import PRIORITY_RANK, TaskInfo

OPEN_TASKS_SHOWN = 5
DESCRIPTION_SHOWN = 600


def needed_tools(spec: Specialist) -> set[str]:
    return {tool for name in placeholders(spec.answer) if (tool := PLACEHOLDERS[name][1]) is not None}


def decide_template(spec: Specialist, conversation: Conversation, toolbox_has: set[str]) -> Step:
    if conversation.own_calls >= MAX_CALLS:
        return Reply("I stopped there: that took more steps than I allow myself for one request.")
    needs = needed_tools(spec) & toolbox_has
    gathered = Gathered(conversation)
    task_id = explicit_id(conversation)
    if not gathered.asked and needs:
        calls = []
        if "get_task" in needs and task_id is not None:
            calls.append(Call("get_task", {"task_id": task_id}))
        wants_list = "list_open_tasks" in needs or ("get_task" in needs and task_id is None)
        if wants_list and "list_open_tasks" in toolbox_has:
            calls.append(Call("list_open_tasks", {}))
        if calls:
            return Calls(calls)
    if gathered.error:
        return Reply(f"I couldn't open the task: {gathered.error}")
    task = gathered.task
    if task is None and "get_task" in needs:
        task = pointed_task(conversation, gathered.open_tasks)
        if task is None or not task.title:
            return Reply(which_task("get help with", gathered.open_tasks, conversation.now))
    return Reply(render_template(spec.answer, template_values(task, gathered.open_tasks, conversation)))


def template_values(
    task: TaskInfo | None, open_tasks: Sequence[TaskInfo], conversation: Conversation
) -> dict[str, str]:
    """Every placeholder's text (those the turn did not read stay as they are said: "unknown")."""
    now = conversation.now
    values = {name: "unknown" for name in PLACEHOLDERS}
    values["request"] = conversation.request.strip()
    values["today"] = describe_date(now.date(), now.date())
    if task is not None:
        values.update(
            title=task.title,
            id=str(task.id),
            status=task.status.replace("_", " "),
            priority=task.priority,
            due=describe_day(task.due_date, now) if task.due_date else "no due date",
            days_left=_days_left(task, now),
            estimate=duration(task.estimate_minutes) if task.estimate_minutes else "no estimate",
            description=_clip(task.description) if task.description else "no description",
            tags=" ".join(f"#{tag}" for tag in task.tags) if task.tags else "no tags",
        )
    if conversation.results("list_open_tasks"):
        others = [other for other in open_tasks if other.is_open and (task is None or other.id != task.id)]
        far = datetime.max.replace(tzinfo=now.tzinfo)
        others.sort(key=lambda other: (other.due_date or far, -PRIORITY_RANK.get(other.priority, 1)))
        overdue = [other for other in others if other.due_date is not None and other.due_date < now]
        values["open_count"] = str(len(others))
        values["open_tasks"] = _lines(others[:OPEN_TASKS_SHOWN], now) or "no other open tasks"
        values["overdue"] = _lines(overdue[:OPEN_TASKS_SHOWN], now) or "nothing overdue"
    return values


def _days_left(task: TaskInfo, now: datetime) -> str:
    if task.due_date is None:
        return "no due date"
    days = (task.due_date.astimezone(now.tzinfo).date() - now.date()).days
    if days == 0:
        return "due today"
    if days > 0:
        return f"{days} day{'s' if days != 1 else ''} left"
    return f"{-days} day{'s' if days != -1 else ''} overdue"


def _lines(tasks: Sequence[TaskInfo], now: datetime) -> str:
    return "\n".join(f"- {task.line(now)}" for task in tasks)


def _clip(text: str) -> str:
    return text if len(text) <= DESCRIPTION_SHOWN else text[:DESCRIPTION_SHOWN].rstrip() + " […]"
