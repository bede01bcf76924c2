"""Storing an import plan for one user: all of it in the request's one transaction, or none of it.

The plan's parent links are indexes within the plan; each level of subtasks is inserted after the level
above it, with the parent ids the database just gave. Every row goes through the owner-scoped task
repository, so an import can only ever create the caller's own tasks.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from taskagent.audit.models import Channel, HistoryAction
from taskagent.audit.repository import HistoryRepository
from taskagent.db import utcnow
from taskagent.imports.plan import ImportPlan, read_export
from taskagent.imports.schemas import ImportCounts, ImportFormat, ImportResult
from taskagent.imports.todoist import read_todoist
from taskagent.tasks.models import TaskStatus
from taskagent.tasks.repository import TaskRepository
from taskagent.tasks.service import creation_changes

# Tasks stored (rows built, inserted, their trail written) per step of the event loop.
_STORE_PAGE = 500
_pauses = 0
_pauses_lock = threading.Lock()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic garbage collection while an import runs. Reading 50,000 tasks allocates millions of
    objects, which set off full collections: each walks every object in the process holding the GIL, and
    stalled the event loop for 0.3-0.5 s each (measured) although the reading runs in a thread. The
    objects made here hold no cycles; collection resumes when the last import ends (nested pauses count)."""
    global _pauses
    with _pauses_lock:
        # Someone else turned it off: leave it as it is.
        paused = _pauses > 0 or gc.isenabled()
        if paused:
            _pauses += 1
            gc.disable()
    try:
        yield
    finally:
        if paused:
            with _pauses_lock:
                _pauses -= 1
                if _pauses == 0:
                    gc.enable()


def read_file(body: bytes, file_format: ImportFormat, zone: ZoneInfo, now: datetime) -> ImportPlan:
    with collector_paused():
        if file_format == "todoist":
            return read_todoist(body, zone, now)
        return read_export(body)


class ImportService:
    def __init__(self, session: AsyncSession, user_id: int, timezone: str, channel: Channel) -> None:
        self.user_id = user_id
        self.repository = TaskRepository(session, user_id)
        self.history = HistoryRepository(session, user_id)
        self.zone = ZoneInfo(timezone)
        self.channel = channel

    async def run(self, body: bytes, file_format: ImportFormat, *, dry_run: bool) -> ImportResult:
        now = utcnow()
        # Up to 10 MB of JSON or CSV to parse and validate: off the event loop.
        with collector_paused():  # also while the plan's rows are built and sent
            plan = await anyio.to_thread.run_sync(read_file, body, file_format, self.zone, now)
            task_ids = None if dry_run else await self._store(plan, now)
        return ImportResult(
            dry_run=dry_run,
            format=file_format,
            created=ImportCounts(
                tasks=len(plan.tasks),
                subtasks=sum(task.parent is not None for task in plan.tasks),
                completed=sum(task.status == TaskStatus.completed for task in plan.tasks),
            ),
            skipped=plan.skipped,
            task_ids=task_ids,
        )

    async def _store(self, plan: ImportPlan, now: datetime) -> list[int]:
        """Insert the plan's tasks, parents first, and a "created" entry in each one's trail (as
        `TaskService.create` records it, with the caller and the way in). A page of tasks at a time: the
        rows and trail entries of a whole level at once (40,000 subtasks) held the event loop 0.4 s."""
        ids: list[int] = [0] * len(plan.tasks)
        first = await self.repository.next_position()
        for level in plan.levels():
            for start in range(0, len(level), _STORE_PAGE):
                page = level[start : start + _STORE_PAGE]
                rows = []
                for index in page:
                    parent = plan.tasks[index].parent
                    rows.append(
                        plan.tasks[index].row(None if parent is None else ids[parent], now, index, first)
                    )
                new_ids = await self.repository.add_many(rows)
                for index, new_id in zip(page, new_ids, strict=True):
                    ids[index] = new_id
                trail = [
                    (new_id, creation_changes({**row, "id": new_id, "owner_id": self.user_id}))
                    for new_id, row in zip(new_ids, rows, strict=True)
                ]
                await self.history.add_many(
                    trail, actor_id=self.user_id, channel=self.channel, action=HistoryAction.created
                )
        return ids
