"""What only the Anthropic adapter does: request conversion, usage with cache tokens, stop reasons."""

from __future__ import annotations

from typing import Any

import pytest
from agents import Agent, ModelSettings
from agents.agent_output import AgentOutputSchema
from agents.exceptions import ModelBehaviorError, UserError
from anthropic.types import RawMessageStreamEvent
from openai.types.responses import ResponseOutputMessage
from pydantic import BaseModel, TypeAdapter

from taskagent.agents.model_selection import build_model
from taskagent.agents.providers.anthropic_request import build_request, convert_input, convert_tool_choice
from taskagent.agents.providers.anthropic_stream import StreamTranslator
from taskagent.config import Settings
from tests.agents.providers.conftest import ANTHROPIC_KEY
from tests.agents.providers.helpers import get_task, run_streamed, specialist
from tests.fakes import FakeAnthropic, Reply, text


def claude(fake: FakeAnthropic, **values: Any) -> Settings:
    return Settings(
        _env_file=None,
        taskagent_model="anthropic:claude-test",
        anthropic_api_key=ANTHROPIC_KEY,
        anthropic_base_url=fake.base_url,
        **values,
    )


async def test_usage_counts_cache_reads_and_writes_as_input() -> None:
    reply = Reply(text="Cached answer", input_tokens=12, cached_tokens=900, cache_write_tokens=80)
    with FakeAnthropic(reply) as fake:
        outcome = await run_streamed(specialist(claude(fake)), "hello")
    usage = outcome.result.context_wrapper.usage
    assert usage.input_tokens == 12 + 900 + 80
    assert usage.input_tokens_details.cached_tokens == 900
    assert usage.output_tokens == 2
    assert usage.total_tokens == 992 + 2


async def test_max_tokens_comes_from_settings_unless_the_agent_sets_it() -> None:
    with FakeAnthropic(text("one"), text("two")) as fake:
        settings = claude(fake, model_max_tokens=512)
        await run_streamed(specialist(settings), "hello")
        capped = Agent(
            name="Short",
            model=build_model(settings, "summarizer"),
            model_settings=ModelSettings(max_tokens=64),
        )
        await run_streamed(capped, "hello")
    assert [body["max_tokens"] for body in fake.bodies] == [512, 64]


async def test_request_shape_system_tools_and_caching() -> None:
    with FakeAnthropic(text("ok")) as fake:
        await run_streamed(specialist(claude(fake)), "hello")
    body = fake.last_body
    assert body["system"] == [{"type": "text", "text": "You decide when to do a task."}]
    assert all(message["role"] in {"user", "assistant"} for message in body["messages"])
    [tool] = body["tools"]
    assert tool["name"] == "get_task"
    assert tool["input_schema"]["properties"]["task_id"]["type"] == "integer"
    assert tool["cache_control"] == {"type": "ephemeral"}
    assert body["cache_control"] == {"type": "ephemeral"}
    assert body["stream"] is True
    assert fake.requests[-1].headers["anthropic-version"]


def test_input_items_become_alternating_messages() -> None:
    items: list[Any] = [
        {"role": "developer", "content": "Earlier turns, summarised: task #4 was created."},
        {"role": "user", "content": "Plan tasks 1 and 2"},
        {"type": "message", "role": "assistant", "id": "msg_1", "status": "completed",
         "content": [{"type": "output_text", "text": "Looking.", "annotations": []}]},
        {"type": "function_call", "call_id": "a", "name": "get_task", "arguments": '{"task_id": 1}'},
        {"type": "function_call", "call_id": "b", "name": "get_task", "arguments": '{"task_id": 2}'},
        {"type": "reasoning", "id": "rs_1", "summary": []},
        {"type": "function_call_output", "call_id": "a", "output": '{"id": 1}'},
        {"type": "function_call_output", "call_id": "b", "output": [{"type": "input_text", "text": "two"}]},
        {"role": "user", "content": [{"type": "input_text", "text": "Thanks"},
                                     {"type": "input_image", "image_url": "data:image/png;base64,AAAA"}]},
    ]  # fmt: skip

    system, messages = convert_input(items)

    assert system == ["Earlier turns, summarised: task #4 was created."]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[1]["content"] == [
        {"type": "text", "text": "Looking."},
        {"type": "tool_use", "id": "a", "name": "get_task", "input": {"task_id": 1}},
        {"type": "tool_use", "id": "b", "name": "get_task", "input": {"task_id": 2}},
    ]
    assert messages[2]["content"] == [
        {"type": "tool_result", "tool_use_id": "a", "content": '{"id": 1}'},
        {"type": "tool_result", "tool_use_id": "b", "content": [{"type": "text", "text": "two"}]},
        {"type": "text", "text": "Thanks"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}},
    ]


def test_a_conversation_never_starts_with_the_assistant() -> None:
    _, messages = convert_input([{"type": "function_call", "call_id": "a", "name": "t", "arguments": ""}])
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert messages[1]["content"][0]["input"] == {}


def test_unsupported_items_are_refused() -> None:
    with pytest.raises(UserError, match="computer_call"):
        convert_input([{"type": "computer_call", "call_id": "x"}])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (ModelSettings(), None),
        (ModelSettings(tool_choice="required"), {"type": "any"}),
        (ModelSettings(tool_choice="none"), {"type": "none"}),
        (ModelSettings(tool_choice="get_task"), {"type": "tool", "name": "get_task"}),
        (ModelSettings(parallel_tool_calls=False), {"type": "auto", "disable_parallel_tool_use": True}),
    ],
)
def test_tool_choice(settings: ModelSettings, expected: dict[str, Any] | None) -> None:
    assert convert_tool_choice(settings) == expected


def test_structured_output_uses_a_json_schema_format() -> None:
    class Plan(BaseModel):
        day: str

    request = build_request(
        model="claude-test",
        system_instructions="Plan.",
        input="When?",
        model_settings=ModelSettings(temperature=0.2),
        tools=[get_task],
        handoffs=[],
        output_schema=AgentOutputSchema(Plan),
        default_max_tokens=100,
    )
    assert request["output_config"]["format"]["type"] == "json_schema"
    assert request["output_config"]["format"]["schema"]["properties"]["day"]["type"] == "string"
    assert request["temperature"] == 0.2


def events(*payloads: dict[str, Any]) -> list[Any]:
    adapter: TypeAdapter[Any] = TypeAdapter(RawMessageStreamEvent)
    return [adapter.validate_python(payload) for payload in payloads]


START = {
    "type": "message_start",
    "message": {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-test", "content": [],
                "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 5, "output_tokens": 1}},
}  # fmt: skip


def test_a_tool_call_cut_by_the_token_limit_is_a_clear_error() -> None:
    translator = StreamTranslator(model="claude-test", max_tokens=64)
    stream = events(
        START,
        {"type": "content_block_start", "index": 0,
         "content_block": {"type": "tool_use", "id": "toolu_1", "name": "get_task", "input": {}}},
        {"type": "content_block_delta", "index": 0,
         "delta": {"type": "input_json_delta", "partial_json": '{"ta'}},
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "max_tokens"}, "usage": {"output_tokens": 64}},
        {"type": "message_stop"},
    )  # fmt: skip
    with pytest.raises(ModelBehaviorError, match=r"token limit \(64\).*MODEL_MAX_TOKENS"):
        for event in stream:
            list(translator.feed(event))


def test_a_refusal_becomes_a_refusal_message() -> None:
    translator = StreamTranslator(model="claude-test", max_tokens=64)
    stream = events(
        START,
        {"type": "message_delta", "delta": {"stop_reason": "refusal"}, "usage": {"output_tokens": 0}},
        {"type": "message_stop"},
    )
    out = [event for payload in stream for event in translator.feed(payload)]
    completed = out[-1]
    assert completed.type == "response.completed"
    [message] = completed.response.output
    assert isinstance(message, ResponseOutputMessage)
    assert message.content[0].type == "refusal"
