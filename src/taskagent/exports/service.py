"""A user's data, written out: everything as JSON (tasks, conversations, settings), tasks as CSV.

Every read goes through the owner-filtered task service and conversation repository.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from taskagent.audit.repository import HistoryRepository
from taskagent.auth.models import User
from taskagent.conversations.models import Thread
from taskagent.conversations.repository import ConversationRepository
from taskagent.db import utcnow
from taskagent.tasks.models import Task
from taskagent.tasks.schemas import TaskFilters, TaskRead
from taskagent.tasks.service import TaskService

EXPORT_FORMAT = "taskagent-export"
EXPORT_VERSION = 1
_PAGE = 1000
MAX_TASKS = 100_000
CSV_COLUMNS = (
    "id",
    "title",
    "description",
    "status",
    "priority",
    "due_date",
    "tags",
    "parent_id",
    "estimate_minutes",
    "position",
    "created_at",
    "updated_at",
    "completed_at",
    "recurrence",
    "repeat_from",
)


async def all_tasks(session: AsyncSession, user_id: int) -> list[Task]:
    return await TaskService(session, user_id).search(TaskFilters(), limit=MAX_TASKS)


async def _conversations(session: AsyncSession, user_id: int) -> list[dict[str, Any]]:
    repository = ConversationRepository(session, user_id)
    threads: list[Thread] = []
    for task_threads in (False, True):
        after: str | None = None
        while True:
            page = await repository.list_threads(
                limit=_PAGE, after=after, order="asc", task_threads=task_threads
            )
            threads.extend(page.rows)
            if not page.has_more or not page.rows:
                break
            after = page.rows[-1].id
    exported = []
    for thread in threads:
        items: list[dict[str, Any]] = []
        after = None
        while True:
            chunk = await repository.list_items(thread.id, limit=_PAGE, after=after, order="asc")
            items.extend(
                {
                    "id": item.id,
                    "type": item.type,
                    "data": item.data,
                    "created_at": item.created_at.isoformat(),
                }
                for item in chunk.rows
            )
            if not chunk.has_more or not chunk.rows:
                break
            after = chunk.rows[-1].id
        exported.append(
            {
                "id": thread.id,
                "task_id": thread.task_id,
                "title": thread.title,
                "created_at": thread.created_at.isoformat(),
                "items": items,
            }
        )
    return exported


async def export_json(session: AsyncSession, user: User) -> dict[str, Any]:
    tasks = await all_tasks(session, user.id)
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": utcnow().isoformat(),
        "settings": {"email": user.email, "timezone": user.timezone},
        "tasks": [TaskRead.model_validate(task).model_dump(mode="json") for task in tasks],
        "conversations": await _conversations(session, user.id),
        # The trail of every task, deleted ones included (entries as GET /tasks/{id}/history shows them).
        "history": [
            {
                "task_id": entry.task_id,
                "at": entry.at.isoformat(),
                "actor_id": entry.actor_id,
                "channel": entry.channel.value,
                "action": entry.action.value,
                "changes": entry.changes,
            }
            for entry in await HistoryRepository(session, user.id).all_entries()
        ],
    }


async def export_csv(session: AsyncSession, user_id: int) -> str:
    """Tasks, one a row; tags joined by commas; times in ISO 8601 UTC."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for task in await all_tasks(session, user_id):
        row = TaskRead.model_validate(task).model_dump(mode="json")
        row["tags"] = ",".join(row["tags"])
        writer.writerow({key: "" if value is None else value for key, value in row.items()})
    return out.getvalue()
