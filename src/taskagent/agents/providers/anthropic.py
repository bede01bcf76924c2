"""Claude through the `anthropic` SDK's Messages API, as an `agents.Model`.

Our own adapter rather than litellm (pulled releases after a supply-chain compromise) or any-llm
(beta, and it splits parallel tool calls into alternating turns): about 150 lines that keep
parallel tool calls, prompt caching and usage exact. Every request streams; `get_response` reads
the same stream to its end, so there is one code path.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Any

import anthropic
import httpx2
import pydantic
from agents.agent_output import AgentOutputSchemaBase
from agents.handoffs import Handoff
from agents.items import ModelResponse, TResponseInputItem, TResponseStreamEvent
from agents.model_settings import ModelSettings
from agents.models.interface import Model, ModelTracing
from agents.tool import Tool
from agents.tracing import generation_span
from agents.usage import Usage
from openai.types.responses import ResponseCompletedEvent
from openai.types.responses.response_prompt_param import ResponsePromptParam

from taskagent.agents.errors import ModelProviderError, keep_streamed_events
from taskagent.agents.providers.anthropic_request import build_request
from taskagent.agents.providers.anthropic_stream import StreamTranslator


class AnthropicModel(Model):
    def __init__(
        self, model: str, client: anthropic.AsyncAnthropic, *, max_tokens: int, provider: str
    ) -> None:
        self.model = model
        self._client = client
        self._max_tokens = max_tokens
        self._provider = provider  # how error messages name it, e.g. "Anthropic"

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None = None,
        conversation_id: str | None = None,
        prompt: ResponsePromptParam | None = None,
    ) -> ModelResponse:
        completed: ResponseCompletedEvent | None = None
        async for event in self.stream_response(
            system_instructions,
            input,
            model_settings,
            tools,
            output_schema,
            handoffs,
            tracing,
            previous_response_id=previous_response_id,
            conversation_id=conversation_id,
            prompt=prompt,
        ):
            if isinstance(event, ResponseCompletedEvent):
                completed = event
        assert completed is not None  # stream_response raises when the stream does not complete
        response = completed.response
        usage = response.usage
        return ModelResponse(
            output=response.output,
            usage=Usage(
                requests=1,
                input_tokens=usage.input_tokens if usage else 0,
                output_tokens=usage.output_tokens if usage else 0,
                total_tokens=usage.total_tokens if usage else 0,
                input_tokens_details=usage.input_tokens_details if usage else None,  # type: ignore[arg-type]
            ),
            response_id=None,  # Anthropic keeps no server-side conversation to continue from
        )

    async def stream_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None = None,
        conversation_id: str | None = None,
        prompt: ResponsePromptParam | None = None,
    ) -> AsyncIterator[TResponseStreamEvent]:
        request = build_request(
            model=self.model,
            system_instructions=system_instructions,
            input=input,
            model_settings=model_settings,
            tools=tools,
            handoffs=handoffs,
            output_schema=output_schema,
            default_max_tokens=self._max_tokens,
        )
        translator = StreamTranslator(model=self.model, max_tokens=request["max_tokens"])
        config = {"base_url": str(self._client.base_url), "max_tokens": request["max_tokens"]}
        with generation_span(model=self.model, model_config=config, disabled=tracing.is_disabled()) as span:
            if tracing.include_data():
                span.span_data.input = [{"system": request.get("system")}, *request["messages"]]
            try:
                stream = await self._client.messages.create(**request, stream=True)
                try:
                    async with aclosing(self._events(stream)) as events:
                        async for event in events:
                            for item in self._translate(translator, event):
                                yield item
                finally:
                    await stream.close()
                if not translator.finished:
                    raise ModelProviderError(
                        f"{self._provider} ended the stream before the answer was complete",
                        provider=self._provider,
                        kind="cut",
                    )
            except Exception as exc:
                keep_streamed_events(exc)
                raise
            span.span_data.usage = {
                "input_tokens": translator.usage.input,
                "output_tokens": translator.usage.output,
            }

    def _translate(self, translator: StreamTranslator, event: Any) -> list[TResponseStreamEvent]:
        try:
            return list(translator.feed(event))
        except (AttributeError, TypeError, KeyError, pydantic.ValidationError) as exc:
            # The SDK builds events without validating them: a garbage payload shows up here
            # as a missing attribute or a wrong type.
            raise ModelProviderError(
                f"{self._provider} sent an unexpected stream event", provider=self._provider, kind="malformed"
            ) from exc

    async def _events(self, stream: anthropic.AsyncStream[Any]) -> AsyncGenerator[Any, None]:
        """The SDK's events, with transport and decoding failures named after the provider.

        The SDK raises `APIStatusError` for an `error` event itself; what it lets through raw is a
        dropped connection, a stalled read, or data that is not the JSON it should be.
        """
        iterator = stream.__aiter__()
        while True:
            try:
                event = await iterator.__anext__()
            except StopAsyncIteration:
                return
            except httpx2.TimeoutException as exc:
                raise ModelProviderError(
                    f"{self._provider} stopped sending mid-answer", provider=self._provider, kind="timeout"
                ) from exc
            except httpx2.TransportError as exc:
                raise ModelProviderError(
                    f"{self._provider} dropped the connection mid-answer", provider=self._provider, kind="cut"
                ) from exc
            except (json.JSONDecodeError, pydantic.ValidationError) as exc:
                raise ModelProviderError(
                    f"{self._provider} sent a malformed stream event",
                    provider=self._provider,
                    kind="malformed",
                ) from exc
            yield event
