"""Each provider through its real client library, `build_model` and `Runner.run_streamed`."""

from __future__ import annotations

import json

from agents import Runner
from agents.stream_events import AgentUpdatedStreamEvent

from tests.agents.providers.conftest import Case
from tests.agents.providers.helpers import run_streamed, specialist, triage
from tests.fakes import Call, Reply, ScriptedProvider, text, tool_call, tool_calls

ANSWER = "Do it on Friday morning: it is due Monday and nothing else is planned."


async def test_text_streams_as_several_deltas(case: Case, fake: ScriptedProvider) -> None:
    fake.queue(text(ANSWER))

    outcome = await run_streamed(specialist(case.settings(fake)), "When should I review the Q4 report?")

    assert outcome.error is None
    assert len(outcome.deltas) >= 10
    assert "".join(outcome.deltas) == ANSWER
    assert outcome.result.final_output == ANSWER
    for kind in ("response.output_item.added", "response.content_part.added", "response.output_item.done"):
        assert outcome.raw(kind), kind
    body = fake.last_body
    assert case.system_prompt(body) == "You decide when to do a task."
    assert "review the Q4 report" in json.dumps(body)
    assert case.tool_names(body) == ["get_task"]


async def test_triage_hands_off_to_the_specialist(case: Case, fake: ScriptedProvider) -> None:
    fake.queue(tool_call("transfer_to_scheduler_agent"), text(ANSWER))

    outcome = await run_streamed(triage(case.settings(fake)), "When should I do this?")

    assert outcome.error is None
    assert outcome.result.last_agent.name == "Scheduler Agent"
    assert outcome.result.final_output == ANSWER
    assert len(outcome.items("handoff_occured")) == 1
    updates = [e.new_agent.name for e in outcome.events if isinstance(e, AgentUpdatedStreamEvent)]
    assert updates == ["Triage Agent", "Scheduler Agent"]
    first, second = fake.bodies
    assert case.tool_names(first) == ["transfer_to_scheduler_agent"]
    # The specialist's request has its own instructions and tools, and the hand-off in its history.
    assert case.system_prompt(second) == "You decide when to do a task."
    assert case.tool_names(second) == ["get_task"]
    outputs = case.tool_outputs(second)
    assert list(outputs.values()) == ['{"assistant": "Scheduler Agent"}']


async def test_tool_output_is_sent_back_in_the_wire_format(case: Case, fake: ScriptedProvider) -> None:
    fake.queue(tool_call("get_task", {"task_id": 7}), text("Task 7 is pending."))

    outcome = await run_streamed(specialist(case.settings(fake)), "What about task 7?")

    assert outcome.error is None
    assert outcome.result.final_output == "Task 7 is pending."
    assert len(outcome.items("tool_called")) == 1
    assert len(outcome.items("tool_output")) == 1
    [[call_id]] = case.tool_calls(fake.bodies[1])
    outputs = case.tool_outputs(fake.bodies[1])
    assert json.loads(outputs[call_id]) == {"id": 7, "title": "Task 7", "status": "pending"}


async def test_parallel_tool_calls_stay_together(case: Case, fake: ScriptedProvider) -> None:
    calls = (Call("get_task", {"task_id": 1}, id="call_one"), Call("get_task", {"task_id": 2}, id="call_two"))
    fake.queue(tool_calls(*calls, text="Let me look at both."), text("Both are pending."))

    outcome = await run_streamed(specialist(case.settings(fake)), "Compare tasks 1 and 2")

    assert outcome.error is None
    assert outcome.result.final_output == "Both are pending."
    second = fake.bodies[1]
    grouped = case.tool_calls(second)
    # The Responses API lists calls as separate items; the other two keep them in one assistant turn.
    expected = [["call_one"], ["call_two"]] if case.provider == "openai" else [["call_one", "call_two"]]
    assert grouped == expected
    outputs = case.tool_outputs(second)
    assert [json.loads(outputs[c])["id"] for c in ("call_one", "call_two")] == [1, 2]


async def test_non_streamed_run_uses_the_same_wire_format(case: Case, fake: ScriptedProvider) -> None:
    fake.queue(tool_call("get_task", {"task_id": 3}), Reply(text="Task 3 is pending."))

    result = await Runner.run(specialist(case.settings(fake)), "And task 3?")

    assert result.final_output == "Task 3 is pending."
    assert list(case.tool_outputs(fake.bodies[1]).values()) == [
        json.dumps({"id": 3, "title": "Task 3", "status": "pending"})
    ]
    # Only the Anthropic adapter always streams (one code path); the SDK's models honour `stream`.
    assert bool(fake.bodies[0].get("stream")) == (case.provider == "anthropic")
