"""The only code that touches the usage tables. Counts change by atomic, conditional UPDATEs so that a
limit holds exactly across requests, workers and processes (PostgreSQL re-checks the WHERE of an UPDATE
after waiting for the row's lock; SQLite has one writer at a time)."""

from __future__ import annotations

import typing
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from taskagent.usage.models import AgentUsage, AgentUsageByModel, UsagePlan

_USAGE = typing.cast(Table, AgentUsage.__table__)
_BY_MODEL = typing.cast(Table, AgentUsageByModel.__table__)


class UsageRepository:
    def __init__(self, session: AsyncSession, user_id: int) -> None:
        self.session = session
        self.user_id = user_id

    async def _ensure(self, table: Table, **key: Any) -> None:
        """The counters' row, made at zero if missing (by whichever request comes first)."""
        insert = postgresql.insert if self.session.get_bind().dialect.name == "postgresql" else sqlite.insert
        await self.session.execute(insert(table).values(user_id=self.user_id, **key).on_conflict_do_nothing())

    def _row(self, table: Table, period: str) -> list[ColumnElement[bool]]:
        return [table.c.user_id == self.user_id, table.c.period == period]

    async def take_run(self, period: str, max_runs: int | None, max_tokens: int | None) -> bool:
        """Count one run, only if the month's runs and tokens are still under the limits (None: none)."""
        await self._ensure(_USAGE, period=period)
        statement = update(_USAGE).where(*self._row(_USAGE, period)).values(runs=_USAGE.c.runs + 1)
        if max_runs is not None:
            statement = statement.where(_USAGE.c.runs < max_runs)
        if max_tokens is not None:
            statement = statement.where(_USAGE.c.input_tokens + _USAGE.c.output_tokens < max_tokens)
        result = await self.session.execute(statement)
        return typing.cast(int, getattr(result, "rowcount", 0)) == 1

    async def give_back_run(self, period: str) -> None:
        """A counted run that never reached a model (the queue was full, the thread was deleted)."""
        await self.session.execute(
            update(_USAGE).where(*self._row(_USAGE, period), _USAGE.c.runs > 0).values(runs=_USAGE.c.runs - 1)
        )

    async def add_calls(
        self, period: str, model: str, calls: int, input_tokens: int, output_tokens: int
    ) -> None:
        for table, key in ((_USAGE, {"period": period}), (_BY_MODEL, {"period": period, "model": model})):
            await self._ensure(table, **key)
            where = self._row(table, period) + ([table.c.model == model] if table is _BY_MODEL else [])
            await self.session.execute(
                update(table)
                .where(*where)
                .values(
                    model_calls=table.c.model_calls + calls,
                    input_tokens=table.c.input_tokens + input_tokens,
                    output_tokens=table.c.output_tokens + output_tokens,
                )
            )

    async def month(self, period: str) -> AgentUsage | None:
        statement = select(AgentUsage).where(AgentUsage.user_id == self.user_id, AgentUsage.period == period)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def by_model(self, period: str) -> list[AgentUsageByModel]:
        statement = (
            select(AgentUsageByModel)
            .where(AgentUsageByModel.user_id == self.user_id, AgentUsageByModel.period == period)
            .order_by(AgentUsageByModel.model)
        )
        return list((await self.session.execute(statement)).scalars())

    async def plan(self) -> UsagePlan | None:
        return await self.session.get(UsagePlan, self.user_id)

    async def set_plan(self, name: str, monthly_runs: int | None, monthly_tokens: int | None) -> None:
        plan = await self.plan()
        if plan is None:
            plan = UsagePlan(user_id=self.user_id)
            self.session.add(plan)
        plan.name, plan.monthly_runs, plan.monthly_tokens = name, monthly_runs, monthly_tokens
        await self.session.flush()

    async def reset_plan(self) -> bool:
        result = await self.session.execute(delete(UsagePlan).where(UsagePlan.user_id == self.user_id))
        return typing.cast(int, getattr(result, "rowcount", 0)) > 0
