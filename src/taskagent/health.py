"""GET /health: `{status, database, version}`, 503 when the database does not answer.

Concurrent probes share one database round trip (single flight): a burst of load-balancer or monitoring
checks costs the database one query, never a pool's worth of connections, and cannot itself make the
answer 503 by exhausting the pool.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from taskagent import __version__
from taskagent.dependencies import ResourcesDep

router = APIRouter(tags=["health"])

# A health probe that waits on a dead database for the pool timeout is useless to a load balancer.
DATABASE_CHECK_SECONDS = 2.0


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unreachable"]
    version: str
    reminders_backlog: int | None = Field(
        description="Reminders due and not yet sent, as this worker's last pass left them (null: no pass "
        "yet, or reminders are off here); growing means the workers do not keep up or cannot reach the "
        "database"
    )
    webhooks_backlog: int | None = Field(
        description="Webhook deliveries due and not yet sent, as this worker's last pass left them (null: "
        "no pass yet, or webhooks are off here)"
    )


async def _database_ok(engine: AsyncEngine) -> bool:
    try:
        async with asyncio.timeout(DATABASE_CHECK_SECONDS), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


class DatabaseProbe:
    """One database check in flight at a time; requests arriving meanwhile wait for its answer."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._running: asyncio.Task[bool] | None = None

    async def check(self) -> bool:
        running = self._running
        if running is None:
            running = asyncio.get_running_loop().create_task(_database_ok(self.engine))
            self._running = running
            running.add_done_callback(self._finished)
        # shield: a client that hangs up does not cancel the check the others are waiting for.
        return await asyncio.shield(running)

    def _finished(self, task: asyncio.Task[bool]) -> None:
        if self._running is task:
            self._running = None


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "The database is unreachable"}},
)
async def health(resources: ResourcesDep) -> JSONResponse:
    ok = await resources.health_probe.check()
    body = Health(
        status="ok" if ok else "unavailable",
        database="ok" if ok else "unreachable",
        version=__version__,
        reminders_backlog=resources.reminders.backlog,
        webhooks_backlog=resources.webhooks.backlog,
    )
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
