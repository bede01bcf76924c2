"""Plain-language lines for what the agents did: "Created task #12: Review Q4 report".

Tool results follow the contract of docs/architecture.md (JSON strings: `{"created": [Task]}`,
`{"task": Task}`, `{"deleted": {...}}`, `{"tasks": [...], "count": n}`, `{"matches": [...]}`, or
`{"error": "..."}`). A line that names a task always has the form `... #<id>: <title>`, which the
summariser reads back (`conversations.summary`), so task ids survive into the summary of long threads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chatkit.icons import IconName

MAX_LISTED = 10


@dataclass(frozen=True)
class Action:
    title: str
    content: str | None = None
    icon: IconName = "check-circle"


_PROGRESS: dict[str, tuple[str, IconName]] = {
    "create_tasks": ("Creating tasks…", "plus"),
    "list_tasks": ("Looking up your tasks…", "search"),
    "update_task": ("Updating the task…", "write"),
    "delete_task": ("Deleting the task…", "write"),
    "find_tasks": ("Searching your tasks…", "search"),
    "get_task": ("Reading the task…", "document"),
    "list_open_tasks": ("Reading your open tasks…", "search"),
    "suggest_schedule": ("Working out a schedule…", "calendar"),
    "set_due_date": ("Setting the due date…", "calendar"),
    "create_subtasks": ("Creating subtasks…", "plus"),
}


def progress_text(tool_name: str) -> tuple[str, IconName]:
    return _PROGRESS.get(tool_name, (f"Using {tool_name.replace('_', ' ')}…", "bolt"))


def handoff_text(agent_name: str) -> str:
    return f"Handed off to {agent_name}"


def describe_tool_result(tool_name: str, arguments: Mapping[str, Any], output: Any) -> list[Action]:
    """What a tool call did, for the user; empty when there is nothing worth showing."""
    result = _parse(output)
    if isinstance(result, Mapping) and isinstance(result.get("error"), str):
        return [Action(f"Could not {_verb(tool_name)}: {result['error']}", icon="info")]
    if not isinstance(result, Mapping):
        return [Action(f"Used {tool_name.replace('_', ' ')}", icon="bolt")] if result else []
    if tool_name in {"create_tasks", "create_subtasks"}:
        noun = "subtask" if tool_name == "create_subtasks" else "task"
        return [Action(f"Created {noun} {_ref(task)}", icon="plus") for task in _tasks(result.get("created"))]
    if tool_name in {"update_task", "set_due_date"}:
        task = result.get("task")
        if isinstance(task, Mapping):
            changes = _changes(arguments, task)
            return [Action(f"Updated task {_ref(task)}", content=changes or None, icon="write")]
    if tool_name == "delete_task":
        deleted = result.get("deleted")
        if isinstance(deleted, Mapping):
            return [Action(f"Deleted task {_ref(deleted)}", icon="write")]
    if tool_name in {"list_tasks", "list_open_tasks", "find_tasks"}:
        tasks = _tasks(result.get("tasks") if "tasks" in result else result.get("matches"))
        count = result.get("count")
        total = count if isinstance(count, int) else len(tasks)
        if tool_name == "find_tasks":
            query = str(arguments.get("description") or "").strip()
            about = f" for “{query}”" if query else ""
            title = f"Found {_plural(total, 'matching task')}{about}" if total else f"No task matches{about}"
        else:
            title = f"Looked up your tasks: {_plural(total, 'task')}"
        return [Action(title, content=_listing(tasks), icon="search")]
    if tool_name == "get_task":
        task = result if "id" in result else result.get("task")
        if isinstance(task, Mapping):
            return [Action(f"Read task {_ref(task)}", icon="document")]
    if tool_name == "suggest_schedule":
        day = result.get("day")
        task_id = arguments.get("task_id")
        target = f" for task #{task_id}" if isinstance(task_id, int) else ""
        when = f" (work on it {day})" if isinstance(day, str) else ""
        return [Action(f"Suggested a schedule{target}{when}", icon="calendar")]
    return [Action(f"Used {tool_name.replace('_', ' ')}", icon="bolt")]


def _parse(output: Any) -> Any:
    if isinstance(output, str):
        try:
            return json.loads(output)
        except json.JSONDecodeError:
            return output.strip()
    return output


def _tasks(value: Any) -> list[Mapping[str, Any]]:
    return [task for task in value or [] if isinstance(task, Mapping)] if isinstance(value, list) else []


def _ref(task: Mapping[str, Any]) -> str:
    title = " ".join(str(task.get("title") or "").split())
    return f"#{task.get('id')}: {title}" if title else f"#{task.get('id')}"


def _listing(tasks: list[Mapping[str, Any]]) -> str | None:
    if not tasks:
        return None
    lines = [
        f"#{task.get('id')} {' '.join(str(task.get('title') or '').split())}" for task in tasks[:MAX_LISTED]
    ]
    if len(tasks) > MAX_LISTED:
        lines.append(f"… and {len(tasks) - MAX_LISTED} more")
    return "\n".join(lines)


def _changes(arguments: Mapping[str, Any], task: Mapping[str, Any]) -> str:
    parts = []
    for key in ("title", "status", "priority", "due_date", "tags", "estimate_minutes", "description"):
        if key in arguments and key != "task_id":
            value = task.get(key)
            if key == "description":
                parts.append("description changed")
            elif value is None or value == []:
                parts.append(f"{key.replace('_', ' ')} cleared")
            else:
                shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
                parts.append(f"{key.replace('_', ' ')}: {shown}")
    return "; ".join(parts)


def _verb(tool_name: str) -> str:
    return {
        "create_tasks": "create the task",
        "list_tasks": "list tasks",
        "update_task": "update the task",
        "delete_task": "delete the task",
        "find_tasks": "search tasks",
        "get_task": "read the task",
        "set_due_date": "set the due date",
        "create_subtasks": "create subtasks",
        "suggest_schedule": "suggest a schedule",
    }.get(tool_name, f"use {tool_name.replace('_', ' ')}")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
