"""`StreamingOpenAI` builds streamed chunks and events by validation: the same objects the stock client
builds, through the real client against fakes speaking the wire formats; data that does not validate
still goes the stock client's way."""

from __future__ import annotations

import json
import warnings
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletionChunk

from taskagent.agents.providers.openai import StreamingOpenAI
from tests.fakes import FakeChatCompletions, FakeOpenAIResponses
from tests.fakes.script import Call, Reply
from tests.fakes.server import Exchange, FakeServer, Request

REPLY = Reply(text="Do it on Friday morning, née café ✓", calls=(Call("get_task", {"task_id": 7}),))


@pytest.fixture
def fallbacks(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The data each client handed to the stock client's own builder."""
    seen: list[Any] = []
    stock = openai.AsyncOpenAI._process_response_data

    def counting(self: openai.AsyncOpenAI, *, data: object, cast_to: Any, response: Any) -> Any:
        seen.append(data)
        return stock(self, data=data, cast_to=cast_to, response=response)

    monkeypatch.setattr(openai.AsyncOpenAI, "_process_response_data", counting)
    return seen


async def _chat_chunks(client: openai.AsyncOpenAI) -> list[Any]:
    stream = await client.chat.completions.create(
        model="test-model", messages=[{"role": "user", "content": "when?"}], stream=True
    )
    return [chunk async for chunk in stream]


async def _response_events(client: openai.AsyncOpenAI) -> list[Any]:
    stream = await client.responses.create(model="test-model", input="when?", stream=True)
    return [event async for event in stream]


class ReplayServer(FakeServer):
    """Streams the given data objects as SSE: a provider's recorded stream, or a bent one."""

    def __init__(self, chunks: list[Any]) -> None:
        super().__init__()
        self.chunks = chunks

    async def handle(self, request: Request, exchange: Exchange) -> None:
        await exchange.start_stream(content_type="text/event-stream")
        for chunk in self.chunks:
            await exchange.write(f"data: {json.dumps(chunk)}\n\n")
        await exchange.write("data: [DONE]\n\n")
        await exchange.finish()


async def _both_ways(
    fake: FakeChatCompletions | FakeOpenAIResponses, read: Any, fallbacks: list[Any]
) -> tuple[Any, Any]:
    """The stream as the stock client reads it from `fake`, then as StreamingOpenAI reads the same data."""
    with fake:
        stock = openai.AsyncOpenAI(api_key="sk-test", base_url=fake.base_url, max_retries=0)
        expected = await read(stock)
        await stock.close()
    recorded = list(fallbacks)
    assert len(recorded) == len(expected) > 5
    fallbacks.clear()
    with ReplayServer(recorded) as replay:
        fast = StreamingOpenAI(api_key="sk-test", base_url=replay.url + "/v1", max_retries=0)
        got = await read(fast)
        await fast.close()
    assert all(isinstance(item, type(stock_item)) for item, stock_item in zip(got, expected, strict=True))
    assert _dumps(got) == _dumps(expected)
    return got, recorded


def _dumps(items: list[Any]) -> list[dict[str, Any]]:
    # What each item holds: a delta's declared provider fields (None unless sent) are not data.
    return [item.model_dump(exclude_unset=True) for item in items]


async def test_chat_completion_chunks_are_the_stock_clients(fallbacks: list[Any]) -> None:
    fake = FakeChatCompletions()
    fake.queue(REPLY)
    got, _ = await _both_ways(fake, _chat_chunks, fallbacks)
    assert fallbacks == []  # every chunk built by validation
    assert all(isinstance(chunk, ChatCompletionChunk) for chunk in got)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in got if chunk.choices)
    assert text == REPLY.text


async def test_responses_events_are_the_stock_clients(fallbacks: list[Any]) -> None:
    fake = FakeOpenAIResponses()
    fake.queue(REPLY)
    got, recorded = await _both_ways(fake, _response_events, fallbacks)
    deltas = [event for event in got if event.type == "response.output_text.delta"]
    assert "".join(event.delta for event in deltas) == REPLY.text
    # Only events that do not validate went the stock way (at most the final summary, here).
    assert len(fallbacks) <= 1 and all(data["type"] == "response.completed" for data in fallbacks)
    assert len(recorded) > len(deltas) > 5


def _chunk(**changes: Any) -> dict[str, Any]:
    chunk: dict[str, Any] = {
        "id": "chatcmpl-odd",
        "object": "chat.completion.chunk",
        "created": 1764806400,
        "model": "odd-model",
        "choices": [{"index": 0, "delta": {"content": "Friday"}, "finish_reason": None}],
    }
    return chunk | changes


async def test_data_that_does_not_validate_is_built_as_the_stock_client_builds_it(
    fallbacks: list[Any],
) -> None:
    odd = [
        _chunk(x_server_timing=12),  # an extra field: valid, and kept
        _chunk(created="yesterday"),  # a wrong type: not valid, built anyway, as before
        _chunk(choices=[{"index": 0, "delta": {"content": "!"}, "finish_reason": "end_of_text"}]),
    ]
    with ReplayServer(odd) as server:
        stock = openai.AsyncOpenAI(api_key="sk-test", base_url=server.url + "/v1", max_retries=0)
        fast = StreamingOpenAI(api_key="sk-test", base_url=server.url + "/v1", max_retries=0)
        expected = await _chat_chunks(stock)
        stock_built = len(fallbacks)
        got = await _chat_chunks(fast)
        await stock.close()
        await fast.close()
    assert stock_built == 3 and len(fallbacks) == 3 + 2  # the two invalid chunks went the stock way
    with warnings.catch_warnings():  # pydantic warns when dumping the field it could not validate
        warnings.simplefilter("ignore")
        assert _dumps(got) == _dumps(expected)
    assert got[0].model_extra == {"x_server_timing": 12}
    assert got[1].created == "yesterday"
    assert got[2].choices[0].finish_reason == "end_of_text"


async def test_provider_fields_of_a_delta_read_as_the_stock_client_reads_them(fallbacks: list[Any]) -> None:
    """Reasoning and citations that OpenAI-compatible servers add to a delta: the same values through
    validation as the stock client keeps as extras; absent ones read as None, as `getattr(..., None)` did."""
    deltas = [
        {"content": "", "reasoning_content": "Friday is free"},  # DeepSeek, vLLM
        {"content": "", "reasoning": {"summary": "odd shape"}},  # any JSON value is kept as sent
        {"content": "Friday", "annotations": [{"type": "url_citation"}], "thinking_blocks": []},
        {"content": "."},
    ]
    chunks = [_chunk(choices=[{"index": 0, "delta": delta, "finish_reason": None}]) for delta in deltas]
    with ReplayServer(chunks) as server:
        stock = openai.AsyncOpenAI(api_key="sk-test", base_url=server.url + "/v1", max_retries=0)
        fast = StreamingOpenAI(api_key="sk-test", base_url=server.url + "/v1", max_retries=0)
        expected = await _chat_chunks(stock)
        fallbacks.clear()
        got = await _chat_chunks(fast)
        await stock.close()
        await fast.close()
    assert fallbacks == []
    names = ("reasoning_content", "reasoning", "thinking_blocks", "annotations")
    for chunk, stock_chunk in zip(got, expected, strict=True):
        delta, stock_delta = chunk.choices[0].delta, stock_chunk.choices[0].delta
        stock_values = [getattr(stock_delta, name, None) for name in names]
        assert [getattr(delta, name) for name in names] == stock_values
    assert got[0].choices[0].delta.reasoning_content == "Friday is free"
    assert got[1].choices[0].delta.reasoning == {"summary": "odd shape"}
    assert _dumps(got) == _dumps(expected)
