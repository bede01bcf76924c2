"""Monthly quotas of agent use: which plan a user is on, a run counted before any model is called, the
model calls and tokens recorded after it, and the month's report.

    meter = UsageMeter(settings)                     # AgentRuntime.usage
    reservation = await meter.reserve(factory, user_id)  # QuotaExceeded (429) past a limit
    ... the run ...
    await meter.record(factory, reservation, model, calls, input_tokens, output_tokens)

A month is a calendar month in UTC (`period` `YYYY-MM`). A run is admitted while the month's runs are
under the runs limit and its tokens (input + output) under the tokens limit; the run that crosses the
tokens limit finishes (its size is only known at its end), and the next one is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from taskagent.config import Settings
from taskagent.db import session_scope, utcnow
from taskagent.errors import RateLimited
from taskagent.usage.models import UNLIMITED, UsagePlan
from taskagent.usage.repository import UsageRepository

DEFAULT_PLAN = "default"
LimitName = Literal["runs", "tokens"]


def period_of(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return f"{moment.year:04d}-{moment.month:02d}"


def resets_at(period: str) -> datetime:
    """The first instant of the month after `period` (UTC)."""
    year, month = (int(part) for part in period.split("-"))
    return datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Limits:
    runs: int | None  # None: unlimited
    tokens: int | None


@dataclass(frozen=True)
class Plan:
    name: str
    limits: Limits


def plan_of(settings: Settings, own: UsagePlan | None) -> Plan:
    """The default plan (settings), or the user's own, whose unset limits are the default plan's."""
    default = Limits(settings.agent_monthly_runs, settings.agent_monthly_tokens)
    if own is None:
        return Plan(DEFAULT_PLAN, default)

    def pick(value: int | None, fallback: int | None) -> int | None:
        if value is None:
            return fallback
        return None if value == UNLIMITED else value

    return Plan(
        own.name, Limits(pick(own.monthly_runs, default.runs), pick(own.monthly_tokens, default.tokens))
    )


class QuotaExceeded(RateLimited):
    """A month's agent runs or tokens are used up: 429 `{detail, limit, resets_at}` with Retry-After."""

    description = (
        "Too many requests: AGENT_RATE_LIMIT this minute (see Retry-After), or the month's agent quota "
        "used up (`{detail, limit, resets_at}`: which limit, `runs` or `tokens`, and when it resets)"
    )

    def __init__(self, limit: LimitName, allowed: int, resets: datetime, now: datetime) -> None:
        unit = "agent runs" if limit == "runs" else "model tokens"
        when = resets.isoformat().replace("+00:00", "Z")
        seconds = max(1, int((resets - now).total_seconds()) + 1)
        super().__init__(
            f"Monthly quota reached: {allowed} {unit} a month on your plan. It resets at {when}.",
            headers={"Retry-After": str(seconds)},
        )
        self.limit, self.resets_at = limit, when

    def body(self) -> dict[str, Any]:
        return {"detail": self.detail, "limit": self.limit, "resets_at": self.resets_at}


@dataclass(frozen=True)
class RunReservation:
    """A run counted against `period`: its model calls and tokens are recorded in the same month."""

    user_id: int
    period: str


Factory = async_sessionmaker[AsyncSession]


class UsageMeter:
    """Counts agent use per user and month; `clock` is replaceable (tests move to the next month)."""

    def __init__(self, settings: Settings, clock: Callable[[], datetime] = utcnow) -> None:
        self.settings = settings
        self.clock = clock

    async def plan(self, session: AsyncSession, user_id: int) -> Plan:
        return plan_of(self.settings, await UsageRepository(session, user_id).plan())

    async def reserve(self, factory: Factory, user_id: int) -> RunReservation:
        """Count one run now, before any model is called; QuotaExceeded when a limit is reached. One
        conditional UPDATE decides, so concurrent requests (any worker) never pass the limit together."""
        now = self.clock()
        period = period_of(now)
        async with session_scope(factory) as session:
            limits = (await self.plan(session, user_id)).limits
        async with session_scope(factory) as session:
            repository = UsageRepository(session, user_id)
            if await repository.take_run(period, limits.runs, limits.tokens):
                return RunReservation(user_id, period)
            used = await repository.month(period)
        runs = used.runs if used is not None else 0
        if limits.runs is not None and runs >= limits.runs:
            raise QuotaExceeded("runs", limits.runs, resets_at(period), now)
        assert limits.tokens is not None  # nothing else refuses a run
        raise QuotaExceeded("tokens", limits.tokens, resets_at(period), now)

    async def release(self, factory: Factory, reservation: RunReservation) -> None:
        async with session_scope(factory) as session:
            await UsageRepository(session, reservation.user_id).give_back_run(reservation.period)

    async def record(
        self,
        factory: Factory,
        reservation: RunReservation,
        model: str,
        *,
        calls: int,
        input_tokens: int,
        output_tokens: int,
    ) -> None:
        async with session_scope(factory) as session:
            await UsageRepository(session, reservation.user_id).add_calls(
                reservation.period, model, calls, input_tokens, output_tokens
            )

    async def report(self, session: AsyncSession, user_id: int, period: str | None = None) -> dict[str, Any]:
        """The month's use (this month by default) and the user's plan, as `GET /users/me/usage` shows it."""
        period = period or period_of(self.clock())
        repository = UsageRepository(session, user_id)
        plan = await self.plan(session, user_id)
        used = await repository.month(period)
        return {
            "period": period,
            "plan": plan.name,
            "runs": used.runs if used else 0,
            "model_calls": used.model_calls if used else 0,
            "input_tokens": used.input_tokens if used else 0,
            "output_tokens": used.output_tokens if used else 0,
            "limits": {"runs": plan.limits.runs, "tokens": plan.limits.tokens},
            "resets_at": resets_at(period),
            "by_model": [
                {
                    "model": row.model,
                    "model_calls": row.model_calls,
                    "input_tokens": row.input_tokens,
                    "output_tokens": row.output_tokens,
                }
                for row in await repository.by_model(period)
            ],
        }
