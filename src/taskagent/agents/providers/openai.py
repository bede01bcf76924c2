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
from typing import Any, cast

import pydantic
from agents import OpenAIChatCompletionsModel, OpenAIResponsesModel
from agents.items import ModelResponse, TResponseStreamEvent
from openai import AsyncOpenAI

from taskagent.agents.errors import ModelProviderError, keep_streamed_events

_MALFORMED = (json.JSONDecodeError, pydantic.ValidationError)


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
                    completed = completed or event.type == "response.completed"
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


def _streamed(exc: Exception) -> Exception:
    keep_streamed_events(exc)
    return exc


def _malformed(provider: str) -> ModelProviderError:
    return ModelProviderError(f"{provider} sent malformed data", provider=provider, kind="malformed")


def _generator(events: AsyncIterator[TResponseStreamEvent]) -> AsyncGenerator[TResponseStreamEvent, None]:
    # The SDK declares an AsyncIterator but implements an async generator, which can be closed.
    return cast(AsyncGenerator[TResponseStreamEvent, None], events)
