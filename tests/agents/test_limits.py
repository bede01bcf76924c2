"""Runs are bounded: tool calls, turns, output tokens and wall time each end a run with a clear `error` event.

Scripted models loop on tool calls (agents.testing.ScriptedModel); a fake provider that never answers
stands in for a hung model. The user's message stays in the thread, and whatever was said before the
bound was hit is stored with it.
"""

from __future__ import annotations

import time

import httpx
import pytest
from agents import Usage
from agents.testing import ModelStep, ScriptedModel, assistant_message, function_call
from fastapi import FastAPI

from tests.agents.support import (
    agents_seen,
    ask_events,
    create_task,
    install_model,
    install_settings,
    item_text,
    last,
    names,
    text_of,
    thread_items,
)
from tests.conftest import UserHandle
from tests.fakes import FakeChatCompletions, Hang, tool_call

pytestmark = pytest.mark.backends("postgres")


def _looping(task_id: int, calls: int, *, preamble: str | None = None) -> ScriptedModel:
    """Triage hands off to the scheduler, which then reads the task `calls` times before answering."""
    first: list[object] = [function_call("get_task", {"task_id": task_id}, call_id="c0")]
    if preamble:
        first.insert(0, assistant_message(preamble))
    steps: list[object] = [[function_call("transfer_to_scheduler_agent", {}, call_id="h1")], first]
    steps += [[function_call("get_task", {"task_id": task_id}, call_id=f"c{n}")] for n in range(1, calls)]
    steps.append([assistant_message("Finally done.")])
    return ScriptedModel(steps)  # type: ignore[arg-type]


async def test_too_many_tool_calls_stop_the_run(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    task = await create_task(client, alice, title="Loop forever")
    install_model(app, _looping(task["id"], 10, preamble="Let me look at it."), agent_max_tool_calls=3)
    events = await ask_events(client, alice, task["id"], "When?")

    assert agents_seen(events) == ["triage", "scheduler"]
    assert names(events).count("tool") == 3
    assert names(events)[-1] == "error" and "done" not in names(events)
    message = last(events, "error")["message"]
    assert "more than 3 tool calls" in message and "AGENT_MAX_TOOL_CALLS" in message
    items = await thread_items(app, alice.id, task["id"])
    assert item_text(items[0]) == "When?"
    # What was said before the bound was hit is kept, marked incomplete.
    assert item_text(items[1]) == "Let me look at it." == text_of(events)
    assert items[1]["incomplete"] is True


async def test_too_many_turns_stop_the_run(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    task = await create_task(client, alice)
    install_model(app, _looping(task["id"], 10), agent_max_turns=3, agent_max_tool_calls=100)
    events = await ask_events(client, alice, task["id"], "When?")
    assert names(events)[-1] == "error"
    message = last(events, "error")["message"]
    assert "more than 3 steps" in message and "AGENT_MAX_TURNS" in message
    assert [item["type"] for item in await thread_items(app, alice.id, task["id"])] == ["user_message"]


async def test_output_tokens_are_bounded_per_call_and_per_run(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    task = await create_task(client, alice)
    heavy = Usage(requests=1, output_tokens=150)
    model = ScriptedModel(
        [
            ModelStep(output=[function_call("transfer_to_scheduler_agent", {}, call_id="h1")], usage=heavy),
            ModelStep(output=[function_call("get_task", {}, call_id="c1")], usage=heavy),
            ModelStep(output=[function_call("get_task", {}, call_id="c2")], usage=heavy),
            ModelStep(output=[assistant_message("Never reached.")], usage=heavy),
        ]
    )
    install_model(app, model, model_max_tokens=100)  # 100 per call, 400 per run
    events = await ask_events(client, alice, task["id"], "When?")
    assert names(events)[-1] == "error"
    assert "400 output tokens" in last(events, "error")["message"]
    assert model.remaining_steps == 1
    assert {call.model_settings.max_tokens for call in model.calls} == {100}


async def test_a_hung_model_stops_at_the_run_deadline(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    with FakeChatCompletions(tool_call("transfer_to_blocker_agent"), Hang(seconds=30)) as fake:
        install_settings(
            app,
            taskagent_model="openai-compatible:test",
            openai_base_url=fake.base_url,
            agent_max_run_seconds=1.0,
            model_timeout_seconds=30.0,
        )
        task = await create_task(client, alice)
        started = time.monotonic()
        events = await ask_events(client, alice, task["id"], "I'm stuck")
        elapsed = time.monotonic() - started
    assert agents_seen(events) == ["triage", "blocker"]
    assert names(events)[-1] == "error"
    assert "longer than 1 s" in last(events, "error")["message"]
    assert 0.9 < elapsed < 5
    assert [item_text(item) for item in await thread_items(app, alice.id, task["id"])] == ["I'm stuck"]
