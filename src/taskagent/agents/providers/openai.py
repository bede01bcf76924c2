"""The SDK's OpenAI models, with the failures the `openai` client lets through named after the provider.

The client turns HTTP errors, timeouts and dropped connections into its own exceptions, which carry
the request URL. A stream whose data is not JSON, or a Responses stream that ends without
`response.completed`, comes out as a bare JSONDecodeError or a generic "no final response" error
that says nothing about who sent it: those become ModelProviderError here. Every streaming failure
is also marked so the runner still delivers the text that streamed before it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Any, cast, get_args

import pydantic
from agents import OpenAIChatCompletionsModel, OpenAIResponsesModel
from agents.items import ModelResponse, TResponseStreamEvent
from agents.tracing import ResponseSpanData, get_current_span
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionChunk
from openai.types.chat.chat_completion_chunk import Choice, ChoiceDelta
from openai.types.responses import Response, ResponseStreamEvent

from taskagent.agents.errors import ModelProviderError, keep_streamed_events

_MALFORMED = (json.JSONDecodeError, pydantic.ValidationError)


def _event_classes() -> dict[str, type[pydantic.BaseModel]]:
    """Each Responses stream event class by its `type` (the union's discriminator, which the client knows
    and pydantic does not: validated as a plain union, every member would be tried)."""
    union = get_args(ResponseStreamEvent)[0]
    return {
        name: event_class
        for event_class in get_args(union)
        for name in get_args(event_class.model_fields["type"].annotation)
    }


_STREAM_EVENT_CLASSES = _event_classes()


class _Delta(ChoiceDelta):
    """A chunk's delta with the fields OpenAI-compatible servers add declared (typed `Any`, so they hold
    what the server sent, as the undeclared extras did). The SDK asks every chunk's delta for them: an
    undeclared, absent field costs a raised and caught AttributeError on each ask (the SDK's chunk handler
    took 28 us a chunk that way, 12 us with them declared); a declared one is a plain read of None."""

    reasoning_content: Any = None  # DeepSeek, vLLM
    reasoning: Any = None  # OpenRouter, Ollama
    thinking_blocks: Any = None  # Anthropic through LiteLLM
    annotations: Any = None  # url citations


class _Choice(Choice):
    delta: _Delta


class _Chunk(ChatCompletionChunk):
    # The same data, the delta with its fields declared (a list is invariant, hence the ignore).
    choices: list[_Choice]  # type: ignore[assignment]


class StreamingOpenAI(AsyncOpenAI):
    """`AsyncOpenAI` that builds streamed chunks (Chat Completions) and events (Responses) by pydantic
    validation, in compiled code, instead of the client's `construct_type`, which walks every field in
    Python: that walk was the largest share of a worker's CPU per streamed word (bench/streams.py).

    Data that does not validate (a server that bends the schema, as OpenAI-compatible servers do) goes the
    client's own way, so nothing it accepted before is refused now.
    """

    def _process_response_data(self, *, data: object, cast_to: Any, response: Any) -> Any:
        if isinstance(data, dict):
            try:
                if cast_to is ChatCompletionChunk:
                    return _Chunk.model_validate(data)
                if cast_to is ResponseStreamEvent:
                    event_class = _STREAM_EVENT_CLASSES.get(data.get("type"))  # type: ignore[arg-type]
                    if event_class is not None:
                        return event_class.model_validate(data)
            except pydantic.ValidationError:
                pass
        return super()._process_response_data(data=data, cast_to=cast_to, response=response)


class OpenAIResponses(OpenAIResponsesModel):
    """`OpenAIResponsesModel` (the Responses API) with provider-named failures."""

    def __init__(self, model: str, client: AsyncOpenAI, *, provider: str) -> None:
        super().__init__(model, openai_client=client)
        self.provider = provider

    async def get_response(self, *args: Any, **kwargs: Any) -> ModelResponse:
        try:
            return await super().get_response(*args, **kwargs)
        except _MALFORMED as exc:
            raise _malformed(self.provider) from exc

    async def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator[TResponseStreamEvent]:
        completed = False
        try:
            async with aclosing(_generator(super().stream_response(*args, **kwargs))) as events:
                async for event in events:
                    if event.type == "response.completed":
                        completed = True
                        _name_the_model(event.response)
                    yield event
        except _MALFORMED as exc:
            raise _streamed(_malformed(self.provider)) from exc
        except Exception as exc:
            keep_streamed_events(exc)
            raise
        if not completed:
            raise _streamed(
                ModelProviderError(
                    f"{self.provider} ended the stream before the answer was complete",
                    provider=self.provider,
                    kind="cut",
                )
            )


class OpenAIChatCompletions(OpenAIChatCompletionsModel):
    """`OpenAIChatCompletionsModel` (OpenAI-compatible servers) with provider-named failures."""

    def __init__(self, model: str, client: AsyncOpenAI, *, provider: str) -> None:
        super().__init__(model, openai_client=client)
        self.provider = provider

    async def get_response(self, *args: Any, **kwargs: Any) -> ModelResponse:
        try:
            return await super().get_response(*args, **kwargs)
        except _MALFORMED as exc:
            raise _malformed(self.provider) from exc

    async def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator[TResponseStreamEvent]:
        try:
            async with aclosing(_generator(super().stream_response(*args, **kwargs))) as events:
                async for event in events:
                    yield event
        except _MALFORMED as exc:
            raise _streamed(_malformed(self.provider)) from exc
        except Exception as exc:
            keep_streamed_events(exc)
            raise


def _name_the_model(response: Response) -> None:
    """Keep the response on its trace span, which the SDK does only when contents are traced: the span
    then names the model. (The SDK exports only the response's id and usage to OpenAI; the OpenTelemetry
    bridge records contents only when the operator asks.)"""
    span = get_current_span()
    if span is not None and isinstance(span.span_data, ResponseSpanData) and span.span_data.response is None:
        span.span_data.response = response


def _streamed(exc: Exception) -> Exception:
    keep_streamed_events(exc)
    return exc


def _malformed(provider: str) -> ModelProviderError:
    return ModelProviderError(f"{provider} sent malformed data", provider=provider, kind="malformed")


def _generator(events: AsyncIterator[TResponseStreamEvent]) -> AsyncGenerator[TResponseStreamEvent, None]:
    # The SDK declares an AsyncIterator but implements an async generator, which can be closed.
    return cast(AsyncGenerator[TResponseStreamEvent, None], events)
