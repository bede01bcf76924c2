"""The request context every ChatKit `Store` method and `respond()` receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from taskagent.config import Settings
from taskagent.usage.service import RunReservation

if TYPE_CHECKING:
    from taskagent.agents.runner import AgentRuntime


@dataclass(frozen=True)
class ChatContext:
    """Who is asking, and how to reach the database.

    The user id comes from the verified token or session cookie, never from the request body, so nothing
    a client (or a model) writes can point a store call or a tool at another user's rows. Each store call
    opens its own short unit of work with `session_factory`: a streamed answer outlives the request's
    session, and what it writes must be committed at once.
    """

    user_id: int
    session_factory: async_sessionmaker[AsyncSession]
    settings: Settings
    # The app's agents and run limits; only `respond()` needs it (the store does not).
    runtime: AgentRuntime | None = None
    timezone: str = "UTC"
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    # The run this request may make, counted against the monthly quota by the endpoint before streaming.
    reservation: RunReservation | None = None
