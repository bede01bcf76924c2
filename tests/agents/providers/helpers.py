"""Small agents and a runner that keeps every stream event, for the provider tests."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from agents import Agent, Runner, function_tool
from agents.result import RunResultStreaming
from agents.stream_events import StreamEvent

from taskagent.agents.model_selection import build_model
from taskagent.config import Settings


@function_tool
def get_task(task_id: int) -> str:
    """Get one of the user's tasks by id."""
    return json.dumps({"id": task_id, "title": f"Task {task_id}", "status": "pending"})


def specialist(settings: Settings) -> Agent[None]:
    return Agent(
        name="Scheduler Agent",
        instructions="You decide when to do a task.",
        model=build_model(settings, "scheduler"),
        tools=[get_task],
    )


def triage(settings: Settings) -> Agent[None]:
    return Agent(
        name="Triage Agent",
        instructions="You route the request to a specialist.",
        model=build_model(settings, "triage"),
        handoffs=[specialist(settings)],
    )


@dataclass
class Outcome:
    result: RunResultStreaming
    events: list[StreamEvent] = field(default_factory=list)
    error: Exception | None = None
    seconds: float = 0.0

    def raw(self, kind: str) -> list[object]:
        return [e.data for e in self.events if e.type == "raw_response_event" and e.data.type == kind]

    @property
    def deltas(self) -> list[str]:
        return [e.delta for e in self.raw("response.output_text.delta")]  # type: ignore[attr-defined]

    def items(self, name: str) -> list[StreamEvent]:
        return [e for e in self.events if e.type == "run_item_stream_event" and e.name == name]


async def run_streamed(agent: Agent[None], message: str) -> Outcome:
    """Run to the end; a failure is kept in `error` with the events that came before it."""
    started = time.monotonic()
    outcome = Outcome(Runner.run_streamed(agent, message))
    try:
        async for event in outcome.result.stream_events():
            outcome.events.append(event)
    except Exception as exc:
        outcome.error = exc
    outcome.seconds = time.monotonic() - started
    return outcome
