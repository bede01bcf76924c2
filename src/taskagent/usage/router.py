"""`GET /users/me/usage`: the caller's agent use this month (or another), and their plan's limits."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from taskagent.dependencies import AgentRuntimeDep, CurrentUserId, SessionDep
from taskagent.errors import Forbidden, Unauthorized, error_responses
from taskagent.usage.schemas import Usage

router = APIRouter(tags=["users"])

Period = Annotated[
    str | None,
    Query(
        # Years 1000-9899: a month whose reset (the next month) a datetime can hold.
        pattern=r"^([1-8]\d{3}|9[0-8]\d{2})-(0[1-9]|1[0-2])$",
        description="A month as `YYYY-MM` (UTC, years 1000-9899); this month when left out",
    ),
]


@router.get(
    "/users/me/usage",
    response_model=Usage,
    responses=error_responses(Unauthorized, Forbidden),
    summary="Your agent use this month (runs, model calls, tokens, by model) and your plan's limits",
)
async def my_usage(
    user_id: CurrentUserId, session: SessionDep, runtime: AgentRuntimeDep, period: Period = None
) -> Any:
    return await runtime.usage.report(session, user_id, period)
