"""`GET /tasks/{id}/history`: a task's trail, also after the task was deleted."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from taskagent.audit.repository import HistoryRepository
from taskagent.audit.schemas import HistoryEntry
from taskagent.dependencies import CurrentUserId, SessionDep
from taskagent.errors import Forbidden, Unauthorized, error_responses
from taskagent.tasks.service import TaskNotFoundError, TaskService

router = APIRouter(prefix="/tasks", tags=["tasks"])


@router.get(
    "/{task_id:int}/history",
    response_model=list[HistoryEntry],
    response_model_by_alias=True,
    responses=error_responses(Unauthorized, Forbidden, TaskNotFoundError),
    summary="Who changed the task, how and when, oldest first (kept after the task is deleted)",
)
async def task_history(task_id: int, user_id: CurrentUserId, session: SessionDep) -> Any:
    """Entries `{at, actor, channel, action, changes}`, oldest first (at most the newest 1,000). A deleted
    task's trail stays readable and ends with its `deleted` entry; another user's task is 404."""
    entries = await HistoryRepository(session, user_id).entries(task_id)
    if not entries:  # a task made before the trail existed has none: still 200 (an empty list)
        await TaskService(session, user_id).get(task_id)
        return []
    return [
        {
            "at": entry.at,
            "actor": None if entry.actor_id is None else {"id": entry.actor_id, "email": email},
            "channel": entry.channel,
            "action": entry.action,
            "changes": entry.changes,
        }
        for entry, email in entries
    ]
