from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class UsageLimits(BaseModel):
    runs: int | None = Field(description="Agent runs a month (help, schedule, chat turns); null: unlimited")
    tokens: int | None = Field(description="Model tokens (input + output) a month; null: unlimited")


class ModelUsage(BaseModel):
    model: str = Field(description="TASKAGENT_MODEL that served the calls (`local`: the offline engine)")
    model_calls: int
    input_tokens: int
    output_tokens: int


class Usage(BaseModel):
    period: str = Field(description="The calendar month, UTC: `YYYY-MM`")
    plan: str = Field(
        description="`default` (AGENT_MONTHLY_RUNS, AGENT_MONTHLY_TOKENS) or the operator's name"
    )
    runs: int
    model_calls: int
    input_tokens: int
    output_tokens: int
    limits: UsageLimits
    resets_at: datetime = Field(description="When the month's counts start again from zero")
    by_model: list[ModelUsage]
