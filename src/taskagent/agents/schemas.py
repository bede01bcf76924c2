"""Request and response bodies of the agents' endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_QUERY = 2000
DEFAULT_SCHEDULE_QUERY = "When should I do this?"

QueryText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUERY)]


class HelpRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"query": "I'm stuck on this"}]}
    )

    query: QueryText = Field(description="What the user asks about the task (1-2000 characters)")
    specialist: str | None = Field(
        default=None,
        max_length=40,
        description="Ask this specialist directly (an id from GET /agents/status) instead of letting triage "
        "choose",
    )


class ScheduleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: QueryText | None = Field(
        default=None, description=f'What the user asks (default "{DEFAULT_SCHEDULE_QUERY}")'
    )


class AgentInfo(BaseModel):
    id: str
    name: str
    description: str


class AgentStatus(BaseModel):
    agents: list[AgentInfo]
    specialists: list[str] = Field(
        description="The ids of the configured specialists (SPECIALISTS_FILE), in the file's order"
    )
    default_specialist: str = Field(description="Where triage sends a request that fits no specialist")
    triage_enabled: bool = Field(description="Help requests go through the triage agent")
    model: str = Field(description="What serves the agents: the offline engine or a provider's model")


class HelpItem(BaseModel):
    id: str
    role: Literal["user", "assistant"]
    text: str
    agent: str | None = Field(default=None, description="The agent that answered (assistant items)")
    created_at: datetime


class HelpHistory(BaseModel):
    thread_id: str | None = Field(description="The task's help thread; null before the first request")
    items: list[HelpItem]
