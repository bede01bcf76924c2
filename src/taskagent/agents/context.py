"""The run context every agent run carries: who is asking, when, and about which task.

An `AgentContext` is passed to the SDK as the run context (`Runner.run_streamed(..., context=ctx)`); tools
receive it as `RunContextWrapper[AgentContext].context`. Tools take the user from here and never from the
model's arguments, so no text in a task or a message can reach another user's data.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from taskagent.audit.models import Channel
from taskagent.db import session_scope, utcnow
from taskagent.tasks.service import TaskService
from taskagent.usage.service import RunReservation


def user_zone(name: str | None) -> ZoneInfo:
    """The user's IANA zone; UTC for a missing or unknown name (the account validates it on write)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass
class AgentContext:
    """What a run knows about its caller. One per run; never shared between users."""

    user_id: int
    session_factory: async_sessionmaker[AsyncSession]
    timezone: str = "UTC"
    now: datetime = field(default_factory=utcnow)
    # Help and schedule requests are about one task: the default `task_id` of the specialist tools.
    focus_task_id: int | None = None
    # The focus task as the tools serialise it (TaskRead JSON), for the instructions; refreshed by the
    # tools that change it.
    focus_task: dict[str, Any] | None = None
    # The way in, set by the entry point (chat, help, MCP): the audit trail's channel of what tools change.
    channel: Channel = Channel.system
    # The run as counted against the user's monthly quota by the entry point (which answered 429 when over
    # it); a turn without one counts it itself before any model is called (`AgentTurn._begin`).
    reservation: RunReservation | None = None

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("AgentContext.now must be timezone-aware")
        self.now = self.now.astimezone(self.zone)

    @property
    def zone(self) -> tzinfo:
        return user_zone(self.timezone)

    @property
    def zone_name(self) -> str:
        return str(self.zone)

    @asynccontextmanager
    async def tasks(self) -> AsyncIterator[TaskService]:
        """A short unit of work on this user's tasks, committed when the block ends.

        Streamed runs outlive the request's session, so every tool call opens its own: what a tool
        changes is visible to the REST API at once, while the answer is still streaming.
        """
        async with session_scope(self.session_factory) as session:
            yield TaskService(session, self.user_id, self.channel)
