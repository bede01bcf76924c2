"""Counters of agent use per user and month, by model, and the operator's per-user plans."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from taskagent.db import Base

# A plan's limit that is not limited (NULL in a plan means "the default plan's limit").
UNLIMITED = -1


class AgentUsage(Base):
    """One user's agent use in one month (`period` is `YYYY-MM`, UTC). Only changed by atomic increments
    (`usage.repository`), so that every worker counts into the same row without losing a count."""

    __tablename__ = "agent_usage"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    runs: Mapped[int] = mapped_column(Integer, default=0)
    model_calls: Mapped[int] = mapped_column(Integer, default=0)
    input_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    output_tokens: Mapped[int] = mapped_column(BigInteger, default=0)


class AgentUsageByModel(Base):
    __tablename__ = "agent_usage_models"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    model: Mapped[str] = mapped_column(String(200), primary_key=True)
    model_calls: Mapped[int] = mapped_column(Integer, default=0)
    input_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    output_tokens: Mapped[int] = mapped_column(BigInteger, default=0)


class UsagePlan(Base):
    """A user's own plan, set by the operator (`taskagent plan set`). A NULL limit is the default plan's
    (AGENT_MONTHLY_RUNS, AGENT_MONTHLY_TOKENS); UNLIMITED is no limit."""

    __tablename__ = "usage_plans"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    monthly_runs: Mapped[int | None] = mapped_column(Integer, default=None)
    monthly_tokens: Mapped[int | None] = mapped_column(BigInteger, default=None)
