"""The one background loop every serving process runs for each kind of work (reminders, webhooks): a pass
every `poll_seconds` (with jitter, so that workers started together do not poll together) until closed.
What the last pass left is `backlog` (shown by /health); a failed pass is logged and the next one tries
again (each pass is safe to repeat: claims are made in the database, by `lease_due`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from taskagent.db import Base

log = logging.getLogger(__name__)


class PollingWorker:
    """Subclasses implement `run_pass`, which returns the backlog it left."""

    name = "background"

    def __init__(self, poll_seconds: float) -> None:
        self.poll_seconds = poll_seconds
        self.backlog: int | None = None  # None: no pass has finished yet
        self._task: asyncio.Task[None] | None = None

    async def run_pass(self) -> int:
        raise NotImplementedError

    def start(self) -> None:
        if self.poll_seconds > 0 and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name=self.name)

    async def _run(self) -> None:
        while True:
            try:
                self.backlog = await self.run_pass()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The database is down or busy: the next pass tries again, and nothing was sent twice.
                log.warning("%s pass failed; retrying on the next one", self.name, exc_info=True)
            await asyncio.sleep(self.poll_seconds * random.uniform(0.8, 1.2))  # noqa: S311 - jitter

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def retry_at(schedule: Sequence[timedelta], attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed attempts (the first waits `schedule[0]`), or None when
    the schedule is spent and the work has failed for good."""
    return now + schedule[attempts - 1] if attempts <= len(schedule) else None


async def lease_due(
    session: AsyncSession,
    due: Select[*tuple[Any, ...]],
    table: type[Base],
    still_due: Sequence[ColumnElement[bool]],
    next_at: InstrumentedAttribute[datetime | None] | InstrumentedAttribute[datetime],
    until: datetime,
) -> list[Row[*tuple[Any, ...]]]:
    """Claim the rows `due` selects (it must select the table's `id` and `next_at`) for this worker: each
    claimed row's `next_at` moves to `until`, so no other worker takes it before then, and a worker that
    dies leaves it to be tried again after. The caller commits the lease before the slow work (an HTTP call,
    an SMTP conversation). On PostgreSQL, rows another worker is claiming are skipped (SKIP LOCKED); on
    SQLite, each row is taken by a compare-and-set UPDATE that matches only if `next_at` still holds what
    was read (`still_due` repeats the rest of the selection's condition)."""
    id_column = table.__table__.c.id
    if session.get_bind().dialect.name == "postgresql":
        rows = list((await session.execute(due.with_for_update(of=table, skip_locked=True))).all())
        if rows:
            await session.execute(
                update(table)
                .where(id_column.in_([row.id for row in rows]))
                .values({next_at.key: until})
                .execution_options(synchronize_session=False)
            )
        return rows
    claimed = []
    for row in (await session.execute(due)).all():
        result = await session.execute(
            update(table)
            .where(id_column == row.id, next_at == getattr(row, next_at.key), *still_due)
            .values({next_at.key: until})
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) == 1:
            claimed.append(row)
    return claimed
